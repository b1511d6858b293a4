"""Runs a rule set over stored comments, a page at a time, one transaction per page."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, literal, select, tuple_
from sqlalchemy.orm import Session

from moderator.domain import Status
from moderator.insights.stats import people_verdicts
from moderator.rules.engine import RuleEngine
from moderator.rules.model import CommentSnapshot, RuleSet
from moderator.services.flagging import FlagChange, StoredHistory, scorer_for, store_hits
from moderator.store.database import Database
from moderator.store.models import Author, Comment

PAGE = 2_000
# Called after each page with (comments checked so far, comments in all).
RunProgress = Callable[[int, int], None]
# Asked after each page: True stops the run there (the pages done stay committed).
StopRequested = Callable[[], bool]


@dataclass
class RuleRunReport:
    """What a run found: per page, the flags stored and the comments hidden."""

    rule_set_version: str
    pages: list[FlagChange] = field(default_factory=list)
    # Comments the run was to check, and whether it was stopped before the last of them.
    total: int = 0
    stopped: bool = False

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
    stop: StopRequested | None = None,
) -> RuleRunReport:
    """Check every stored comment (or one article's) in posting order and replace its flags.

    Pages commit one by one, so an interrupted or stopped run keeps what it finished; running
    again redoes everything, as each comment's flags are replaced, not added to.
    """
    report = RuleRunReport(rule_set.version)
    condition = [] if article_id is None else [Comment.article_id == article_id]
    with database.session() as reader:
        total = report.total = reader.scalar(select(func.count(Comment.id)).where(*condition)) or 0
        # Every stored comment is in the run: history is only the decisions people made.
        history = StoredHistory(reader, whole_run=True)
        engine = RuleEngine(rule_set, history=history, scorer=scorer_for(reader, rule_set, history))
        engine.reset()
        for page in _pages(reader, condition=condition):
            engine.prime(comment for _, comment, _ in page)
            results = [(comment_id, engine.check(comment)) for comment_id, comment, _ in page]
            with database.transaction() as writer:
                report.pages.append(store_hits(writer, results, rule_set=rule_set))
            if progress is not None:
                progress(report.checked, total)
            if stop is not None and report.checked < total and stop():
                report.stopped = True
                break
    return report


def _pages(
    reader: Session, *, condition: Sequence[Any] = ()
) -> Iterator[list[tuple[int, CommentSnapshot, Status]]]:
    """The stored comments as the rules read them, with their ids and statuses, in posting
    order, a page at a time (one query a page)."""
    after: tuple[datetime, int] | None = None
    while True:
        # The page's ids first, from the keys alone: joined to the authors in one query, the
        # planner would scan the whole table for every page.
        keys = select(Comment.id).where(*condition)
        if after is not None:
            posted, last_id = after
            bound = tuple_(literal(posted, Comment.posted_at.type), literal(last_id))
            keys = keys.where(tuple_(Comment.posted_at, Comment.id) > bound)
        page = keys.order_by(Comment.posted_at, Comment.id).limit(PAGE).subquery()
        query = (
            select(
                Comment.id,
                Comment.body,
                Author.name,
                Comment.posted_at,
                Comment.article_id,
                Comment.status,
            )
            .join(page, page.c.id == Comment.id)
            .join(Author, Author.id == Comment.author_id)
            .order_by(Comment.posted_at, Comment.id)
        )
        rows = reader.execute(query).all()
        if not rows:
            return
        after = (rows[-1].posted_at, rows[-1].id)
        yield [
            (
                comment_id,
                CommentSnapshot(
                    body=body, author=name, posted_at=posted, id=comment_id, article_id=article
                ),
                status,
            )
            for comment_id, body, name, posted, article, status in rows
        ]


@dataclass
class RuleOutcome:
    """One rule over the stored comments: what it hit, and how people decided those comments
    (``hidden`` and ``approved`` count people's standing verdicts only, never the rules' own
    hides)."""

    rule_id: str
    hits: int = 0
    hidden: int = 0
    approved: int = 0

    @property
    def precision(self) -> float | None:
        """Of the comments it hit that people decided, the share they hid (None: none decided)."""
        decided = self.hidden + self.approved
        return None if decided == 0 else self.hidden / decided


@dataclass
class BacktestReport:
    """A rule set tried on stored comments without changing anything, against the current one."""

    rule_set_version: str
    compared_with: str | None
    checked: int = 0
    flagged: int = 0
    rules: dict[str, RuleOutcome] = field(default_factory=dict)
    # Comments the tried set would flag that the current one does not, and the other way.
    added: int = 0
    dropped: int = 0


def backtest(
    database: Database,
    rule_set: RuleSet,
    *,
    current: RuleSet | None = None,
    progress: RunProgress | None = None,
) -> BacktestReport:
    """Run ``rule_set`` (and ``current``, to compare) over every stored comment; write nothing."""
    report = BacktestReport(rule_set.version, None if current is None else current.version)
    report.rules = {rule.id: RuleOutcome(rule.id) for rule in rule_set.enabled}
    with database.session() as reader:
        total = reader.scalar(select(func.count(Comment.id))) or 0
        history = StoredHistory(reader, whole_run=True)
        tried = RuleEngine(rule_set, history=history, scorer=scorer_for(reader, rule_set, history))
        compared = (
            None
            if current is None
            else RuleEngine(current, history=history, scorer=scorer_for(reader, current, history))
        )
        tried.reset()
        if compared is not None:
            compared.reset()
        for page in _pages(reader):
            # How people decided the page's comments: the rules' own hides are not theirs.
            verdicts = people_verdicts(
                reader, [comment_id for comment_id, _, status in page if status != Status.PENDING]
            )
            tried.prime(comment for _, comment, _ in page)
            if compared is not None:
                compared.prime(comment for _, comment, _ in page)
            for comment_id, comment, status in page:
                hits = tried.check(comment)
                report.checked += 1
                report.flagged += bool(hits)
                by_people = verdicts.get(comment_id) == status
                for rule_id in {hit.rule_id for hit in hits}:
                    outcome = report.rules[rule_id]
                    outcome.hits += 1
                    outcome.hidden += by_people and status == Status.HIDDEN
                    outcome.approved += by_people and status == Status.APPROVED
                if compared is not None:
                    before = bool(compared.check(comment))
                    report.added += bool(hits) and not before
                    report.dropped += before and not hits
            if progress is not None:
                progress(report.checked, total)
    return report
