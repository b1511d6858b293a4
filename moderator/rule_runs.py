"""Runs a rule set over stored comments, a page at a time, one transaction per page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import literal, select, tuple_

from moderator.models import Comment
from moderator.rules.engine import RuleEngine
from moderator.rules.model import RuleSet
from moderator.services.flagging import FlagChange, StoredHistory, snapshots, store_hits
from moderator.storage import Database

PAGE = 2_000
# Called after each page with (comments checked so far, comments in all).
RunProgress = Callable[[int, int], None]


@dataclass
class RuleRunReport:
    """What a run found: per page, the flags stored and the comments hidden."""

    rule_set_version: str
    pages: list[FlagChange] = field(default_factory=list)

    @property
    def checked(self) -> int:
        return sum(page.checked for page in self.pages)

    @property
    def flagged(self) -> int:
        return sum(len(page.flagged) for page in self.pages)

    @property
    def hits(self) -> int:
        return sum(page.hits for page in self.pages)

    @property
    def hidden(self) -> int:
        return sum(len(page.hidden) for page in self.pages)


def run_rules(
    database: Database,
    rule_set: RuleSet,
    *,
    article_id: int | None = None,
    progress: RunProgress | None = None,
) -> RuleRunReport:
    """Check every stored comment (or one article's) in posting order and replace its flags.

    Pages commit one by one, so an interrupted run keeps what it finished; running again
    redoes everything, as each comment's flags are replaced, not added to.
    """
    report = RuleRunReport(rule_set.version)
    condition = [] if article_id is None else [Comment.article_id == article_id]
    with database.session() as reader:
        total = len(reader.scalars(select(Comment.id).where(*condition)).all())
        # Every stored comment is in the run: history is only the decisions people made.
        engine = RuleEngine(rule_set, history=StoredHistory(reader, whole_run=True))
        engine.reset()
        after: tuple[object, int] | None = None
        while True:
            query = select(Comment.posted_at, Comment.id).where(*condition)
            if after is not None:
                posted, last_id = after
                bound = tuple_(literal(posted, Comment.posted_at.type), literal(last_id))
                query = query.where(tuple_(Comment.posted_at, Comment.id) > bound)
            page = reader.execute(query.order_by(Comment.posted_at, Comment.id).limit(PAGE))
            keys = page.all()
            if not keys:
                break
            after = (keys[-1][0], keys[-1][1])
            comments = snapshots(reader, [comment_id for _, comment_id in keys])
            results = [(c.id, engine.check(c)) for c in comments if c.id is not None]
            with database.transaction() as writer:
                report.pages.append(store_hits(writer, results, rule_set_version=rule_set.version))
            if progress is not None:
                progress(report.checked, total)
    return report
