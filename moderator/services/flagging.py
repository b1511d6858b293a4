"""Stores what the rules found: flags with their evidence, and hides where a rule says so."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from moderator.batching import chunked
from moderator.bulk import insert_many
from moderator.domain import ReasonCode, Status
from moderator.models import Author, Base, Comment, Flag, utc_now
from moderator.rules.engine import RuleEngine
from moderator.rules.model import CommentSnapshot, Hit, RuleAction, RuleSet
from moderator.services.moderation import MAX_NOTE_LENGTH, ensure_profile, hide

# The profile the rules act as when a rule's action is "hide": visible in the history as such.
RULES_ACTOR = "Rules (automatic)"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
HISTORY_WINDOW = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class FlagChange:
    """What one batch of rule results changed."""

    rule_set_version: str
    checked: int
    flagged: tuple[int, ...]
    hits: int
    hidden: tuple[int, ...] = ()
    article_ids: frozenset[int] = field(default_factory=frozenset)


def store_hits(
    session: Session,
    results: Sequence[tuple[int, Sequence[Hit]]],
    *,
    rule_set_version: str,
) -> FlagChange:
    """Replace the flags of each checked comment with its new hits, in the caller's unit of work.

    A hit whose rule says "hide" takes a still-pending comment down, acting as the rules'
    own profile, with the explanation as the note; a comment a person already decided is
    only flagged. The rule-set version is stored with every flag.
    """
    ids = [comment_id for comment_id, _ in results]
    for chunk in chunked(ids):
        session.execute(delete(Flag).where(Flag.comment_id.in_(chunk)))
    now = utc_now()
    rows = [
        {
            "comment_id": comment_id,
            "rule_id": hit.rule_id,
            "rule_set_version": rule_set_version,
            "severity": hit.severity,
            "spans": [list(span) for span in hit.spans],
            "explanation": hit.explanation,
            "created_at": now,
        }
        for comment_id, hits in results
        for hit in hits
    ]
    insert_many(session, Base.metadata.tables[Flag.__tablename__], rows)
    to_hide = {
        comment_id: next(hit for hit in hits if hit.action is RuleAction.HIDE)
        for comment_id, hits in results
        if any(hit.action is RuleAction.HIDE for hit in hits)
    }
    hidden = _hide_pending(session, to_hide)
    articles: set[int] = set()
    for chunk in chunked(ids):
        articles.update(
            session.scalars(select(Comment.article_id).where(Comment.id.in_(chunk)).distinct())
        )
    return FlagChange(
        rule_set_version=rule_set_version,
        checked=len(ids),
        flagged=tuple(comment_id for comment_id, hits in results if hits),
        hits=len(rows),
        hidden=hidden,
        article_ids=frozenset(articles),
    )


def _hide_pending(session: Session, evidence: dict[int, Hit]) -> tuple[int, ...]:
    if not evidence:
        return ()
    pending: list[int] = []
    for chunk in chunked(sorted(evidence)):
        pending += session.scalars(
            select(Comment.id).where(Comment.id.in_(chunk), Comment.status == Status.PENDING)
        ).all()
    if not pending:
        return ()
    actor = ensure_profile(session, RULES_ACTOR)
    for comment_id in pending:
        hit = evidence[comment_id]
        note = f"rule {hit.rule_id}: {hit.explanation}"[:MAX_NOTE_LENGTH]
        hide(session, [comment_id], actor=actor, reason=ReasonCode.OTHER, note=note)
    return tuple(pending)


class StoredHistory:
    """Author history from the database, for rules that look past one comment.

    ``excluding`` are the comments being checked (they are not their own history); with
    ``whole_run`` every stored comment is in the run, so none counts as earlier. ``authors``
    preloads those authors' history in a few queries instead of one query per author, and
    ``since`` limits the posting times read to what a burst could still reach.
    """

    def __init__(
        self,
        session: Session,
        *,
        excluding: Iterable[int] = (),
        whole_run: bool = False,
        authors: Iterable[str] = (),
        since: datetime | None = None,
        excluded_per_author: Mapping[str, int] | None = None,
    ) -> None:
        self._session = session
        self._excluding = frozenset(excluding)
        self._since = since
        # How many of the comments being checked each author wrote: the counts leave them out.
        if excluded_per_author is None:
            excluded_per_author = Counter()
            for chunk in chunked(sorted(self._excluding)):
                excluded_per_author.update(
                    session.scalars(
                        select(Author.name)
                        .join(Comment, Comment.author_id == Author.id)
                        .where(Comment.id.in_(chunk))
                    )
                )
        self._excluded_per_author = dict(excluded_per_author)
        self._counts: dict[str, int] = {}
        self._excluding = frozenset(excluding)
        self._whole_run = whole_run
        self._decisions: dict[str, tuple[int, int]] = {}
        self._times: dict[str, tuple[datetime, ...]] = {}
        self._everyone_loaded = False
        self._load(sorted(set(authors)))

    def comment_count(self, author: str) -> int:
        if self._whole_run:
            return 0
        if author not in self._counts:
            self._load([author])
        return self._counts.get(author, 0)

    def decisions(self, author: str) -> tuple[int, int]:
        if author not in self._decisions and not self._everyone_loaded:
            if self._whole_run:
                # A whole run asks about every author: one grouped query answers them all.
                self._load_decisions(None)
                self._everyone_loaded = True
            else:
                self._load([author])
        return self._decisions.get(author, (0, 0))

    def recent_times(self, author: str) -> Sequence[datetime]:
        if self._whole_run:
            return ()
        if author not in self._times:
            self._load([author])
        return self._times.get(author, ())

    def _load(self, authors: list[str]) -> None:
        if not authors:
            return
        for name in authors:
            self._decisions.setdefault(name, (0, 0))
            self._times.setdefault(name, ())
            self._counts.setdefault(name, 0)
        self._load_decisions(authors)
        if self._whole_run:
            return
        times: dict[str, list[datetime]] = {}
        recent = [] if self._since is None else [Comment.posted_at >= self._since]
        for chunk in chunked(authors):
            counted = self._session.execute(
                select(Author.name, func.count(Comment.id))
                .select_from(Comment)
                .join(Author, Author.id == Comment.author_id)
                .where(Author.name.in_(chunk))
                .group_by(Author.name)
            )
            for name, count in counted:
                self._counts[name] = count - self._excluded_per_author.get(name, 0)
            rows = self._session.execute(
                select(Author.name, Comment.id, Comment.posted_at)
                .join(Author, Author.id == Comment.author_id)
                .where(Author.name.in_(chunk), *recent)
                .order_by(Comment.posted_at)
            )
            for name, comment_id, posted in rows:
                if comment_id not in self._excluding:
                    times.setdefault(name, []).append(posted)
        self._times.update((name, tuple(found)) for name, found in times.items())

    def _load_decisions(self, authors: list[str] | None) -> None:
        query = (
            select(Author.name, Comment.status, func.count(Comment.id))
            .select_from(Comment)
            .join(Author, Author.id == Comment.author_id)
            .where(Comment.status != Status.PENDING)
            .group_by(Author.name, Comment.status)
        )
        chunks: Iterable[Sequence[str] | None] = [None] if authors is None else chunked(authors)
        counts: dict[str, list[int]] = {}
        for chunk in chunks:
            scoped = query if chunk is None else query.where(Author.name.in_(chunk))
            for name, status, count in self._session.execute(scoped):
                pair = counts.setdefault(name, [0, 0])
                pair[0 if status == Status.HIDDEN else 1] += count
        self._decisions.update((name, (h, a)) for name, (h, a) in counts.items())


def snapshots(session: Session, ids: Sequence[int]) -> list[CommentSnapshot]:
    """The comments as rules read them, in posting order."""
    found: list[CommentSnapshot] = []
    for chunk in chunked(list(ids)):
        rows = session.execute(
            select(Comment.id, Comment.body, Author.name, Comment.posted_at, Comment.article_id)
            .join(Author, Author.id == Comment.author_id)
            .where(Comment.id.in_(chunk))
        )
        found += [
            CommentSnapshot(body=body, author=name, posted_at=posted, id=cid, article_id=article)
            for cid, body, name, posted, article in rows
        ]
    return sorted(found, key=lambda c: (c.posted_at or _EPOCH, c.id or 0))


def added_comment_ids(session: Session, article_id: int, fingerprints: Sequence[str]) -> list[int]:
    """The ids an import just gave its new comments (it inserts in bulk, without returning)."""
    ids: list[int] = []
    for chunk in chunked(list(fingerprints)):
        ids += session.scalars(
            select(Comment.id).where(
                Comment.article_id == article_id, Comment.fingerprint.in_(chunk)
            )
        ).all()
    return ids


def flag_comments(session: Session, rule_set: RuleSet, ids: Sequence[int]) -> FlagChange:
    """Run the rule set over these comments (new ones: their history excludes them) and store."""
    comments = snapshots(session, ids)
    earliest = min((c.posted_at for c in comments if c.posted_at is not None), default=None)
    history = StoredHistory(
        session,
        excluding=ids,
        authors={c.author for c in comments},
        excluded_per_author=Counter(c.author for c in comments),
        # A burst looks back minutes, not days; a day covers any sensible rule.
        since=None if earliest is None else earliest - HISTORY_WINDOW,
    )
    engine = RuleEngine(rule_set, history=history)
    results = [
        (comment.id, hits) for comment, hits in engine.check_all(comments) if comment.id is not None
    ]
    return store_hits(session, results, rule_set_version=rule_set.version)
