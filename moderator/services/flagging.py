"""Stores what the rules found: flags with their evidence, and hides where a rule says so."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from moderator.domain import ReasonCode, Severity, Status
from moderator.rules.engine import RuleEngine
from moderator.rules.model import (
    AuthorHistory,
    CommentSnapshot,
    HideScorer,
    Hit,
    RuleAction,
    RuleSet,
)
from moderator.services.history import (
    Actor,
    NewEntry,
    append,
    evidence,
    lock_log,
    stored_hits,
)
from moderator.services.moderation import MAX_NOTE_LENGTH, hide_each
from moderator.store.batching import chunked
from moderator.store.bulk import insert_many
from moderator.store.models import (
    NOT_FLAGGED,
    Article,
    Author,
    Base,
    Comment,
    Flag,
    LogEntryRow,
    utc_now,
)

# The log entry that says which rule set the rules act under from then on.
RULE_SET_ACTION = "rule-set"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class FlagChange:
    """What one batch of rule results changed."""

    rule_set_version: str
    checked: int
    flagged: tuple[int, ...]
    hits: int
    hidden: tuple[int, ...] = ()


def store_hits(
    session: Session,
    results: Sequence[tuple[int, Sequence[Hit]]],
    *,
    rule_set: RuleSet,
) -> FlagChange:
    """Replace the flags of each checked comment with its new hits, in the caller's unit of work.

    A hit whose rule says "hide" takes a still-pending comment down, acting as the rules
    (``system`` in the log, with the rule set's version), with the explanation as the note; a
    comment a person already decided is only flagged. The rule-set version is stored with
    every flag. Comments whose hits changed get a ``flag`` (or ``unflag``) entry in the log,
    and the first use of a rule set on this database a ``rule-set`` entry.
    """
    ids = [comment_id for comment_id, _ in results]
    # The log first, then the comments' rows: the order every writer locks in.
    lock_log(session)
    before = _stored_evidence(session, ids)
    for chunk in chunked(ids):
        session.execute(delete(Flag).where(Flag.comment_id.in_(chunk)))
    stored = insert_flags(session, results, rule_set)
    _set_urgency(session, results)
    _log_flags(session, rule_set, results, before)
    hidden = _hide_pending(session, first_hides(results), rule_set.version)
    return FlagChange(
        rule_set_version=rule_set.version,
        checked=len(ids),
        flagged=tuple(comment_id for comment_id, hits in results if hits),
        hits=stored,
        hidden=hidden,
    )


def insert_flags(
    session: Session, results: Sequence[tuple[int, Sequence[Hit]]], rule_set: RuleSet
) -> int:
    """Each hit stored as a flag of its comment, with the rule set's version; how many."""
    now = utc_now()
    rows = [
        {
            "comment_id": comment_id,
            "rule_id": hit.rule_id,
            "rule_set_version": rule_set.version,
            "severity": hit.severity,
            "spans": [list(span) for span in hit.spans],
            "explanation": hit.explanation,
            "created_at": now,
        }
        for comment_id, hits in results
        for hit in hits
    ]
    insert_many(session, Base.metadata.tables[Flag.__tablename__], rows)
    return len(rows)


def first_hides(results: Sequence[tuple[int, Sequence[Hit]]]) -> dict[int, Hit]:
    """The comments a hit would take down, each with its first such hit."""
    return {
        comment_id: hide
        for comment_id, hits in results
        if (hide := next((hit for hit in hits if hit.action is RuleAction.HIDE), None)) is not None
    }


_Evidence = frozenset[tuple[str, str, tuple[tuple[int, int], ...]]]


def _as_evidence(hits: Iterable[tuple[str, str, Sequence[Sequence[int]]]]) -> _Evidence:
    """Hits as a log entry compares them: rule, severity and spans."""
    return frozenset(
        (rule, str(severity), tuple((int(span[0]), int(span[1])) for span in spans))
        for rule, severity, spans in hits
    )


def _stored_evidence(session: Session, ids: Sequence[int]) -> dict[int, _Evidence]:
    return {
        comment_id: _as_evidence((rule, severity, spans) for rule, severity, spans, _ in hits)
        for comment_id, hits in stored_hits(session, ids).items()
    }


def _log_flags(
    session: Session,
    rule_set: RuleSet,
    results: Sequence[tuple[int, Sequence[Hit]]],
    before: Mapping[int, _Evidence],
) -> None:
    """Log the comments whose hits changed (a re-run that finds the same says nothing)."""
    changed = {
        comment_id: hits
        for comment_id, hits in results
        if _as_evidence((hit.rule_id, hit.severity, hit.spans) for hit in hits)
        != before.get(comment_id, frozenset())
    }
    actor = Actor.rules(rule_set.version)
    _log_rule_set(session, rule_set)
    if not changed:
        return
    entries = []
    for chunk in chunked(sorted(changed)):
        rows = session.execute(
            select(
                Comment.id, Comment.article_id, Comment.status, Comment.escalated, Comment.body
            ).where(Comment.id.in_(chunk))
        )
        for comment_id, article_id, status, escalated, body in rows:
            hits = changed[comment_id]
            entries.append(
                NewEntry(
                    "flag" if hits else "unflag",
                    comment_id=comment_id,
                    article_id=article_id,
                    from_status=str(status),
                    to_status=str(status),
                    escalated=escalated,
                    evidence=evidence(
                        body,
                        [
                            (
                                hit.rule_id,
                                str(hit.severity),
                                [list(s) for s in hit.spans],
                                hit.explanation,
                            )
                            for hit in hits
                        ],
                    ),
                )
            )
    append(session, actor, entries)


def _log_rule_set(session: Session, rule_set: RuleSet) -> None:
    """The first use of a rule set (since another was used) gets a ``rule-set`` entry."""
    entry = rule_set_entry(session, rule_set)
    if entry is not None:
        append(session, Actor.rules(rule_set.version), [entry])


def rule_set_entry(session: Session, rule_set: RuleSet) -> NewEntry | None:
    """The ``rule-set`` entry the rule set's first use (since another was used) gets, or
    None if it is the one in use."""
    last = session.scalar(
        select(LogEntryRow.rule_set_version)
        .where(LogEntryRow.action == RULE_SET_ACTION)
        .order_by(LogEntryRow.seq.desc())
        .limit(1)
    )
    if last == rule_set.version:
        return None
    enabled = len(rule_set.enabled)
    return NewEntry(
        RULE_SET_ACTION,
        note=f"rule set {rule_set.name!r} ({enabled} rules on) from {rule_set.source}",
    )


# A comment's urgency: its gravest hit's (0 high, 1 medium, 2 low), NOT_FLAGGED without hits.
_URGENCY = {Severity.HIGH: 0, Severity.MEDIUM: 1, Severity.LOW: 2}


def urgency_of(hits: Iterable[Hit]) -> int:
    """A comment's urgency, from its hits."""
    return min((_URGENCY[hit.severity] for hit in hits), default=NOT_FLAGGED)


def _set_urgency(session: Session, results: Sequence[tuple[int, Sequence[Hit]]]) -> None:
    """Keep each checked comment's urgency (the queue's order by severity) with its flags."""
    by_urgency: dict[int, list[int]] = {}
    for comment_id, hits in results:
        by_urgency.setdefault(urgency_of(hits), []).append(comment_id)
    for urgency, ids in by_urgency.items():
        for chunk in chunked(ids):
            # Only rows that change: most comments checked keep their urgency (all new ones
            # are already unflagged), and every row written costs a synced page write.
            session.execute(
                update(Comment)
                .where(Comment.id.in_(chunk), Comment.urgency != urgency)
                .values(urgency=urgency),
                execution_options={"synchronize_session": False},
            )


def _hide_pending(
    session: Session, evidence: dict[int, Hit], rule_set_version: str
) -> tuple[int, ...]:
    if not evidence:
        return ()
    pending: list[int] = []
    for chunk in chunked(sorted(evidence)):
        pending += session.scalars(
            # An escalated comment waits for an editor, a locked article's comments for its
            # unlocking: the rules only flag them.
            select(Comment.id)
            .join(Article, Article.id == Comment.article_id)
            .where(
                Comment.id.in_(chunk),
                Comment.status == Status.PENDING,
                ~Comment.escalated,
                ~Article.locked,
            )
        ).all()
    if not pending:
        return ()
    notes = {comment_id: hide_note(evidence[comment_id]) for comment_id in pending}
    hide_each(session, notes, actor=Actor.rules(rule_set_version), reason=ReasonCode.OTHER)
    return tuple(pending)


def hide_note(hit: Hit) -> str:
    """The evidence a rule leaves in the log when it hides a comment."""
    return f"rule {hit.rule_id}: {hit.explanation}"[:MAX_NOTE_LENGTH]


class StoredHistory:
    """Author history from the database, for rules that look past one comment.

    ``excluding`` are the comments being checked (they are not their own history); with
    ``whole_run`` every stored comment is in the run, so none counts as earlier. ``authors``
    are the authors of the batch: each kind of history (counts, decisions, posting times) is
    read for all of them in one grouped query the first time a rule asks for it, so a rule set
    without, say, bursts never pays for posting times. ``since`` and ``until`` limit the
    posting times read to what a burst could still reach.
    """

    def __init__(
        self,
        session: Session,
        *,
        excluding: Iterable[int] = (),
        whole_run: bool = False,
        authors: Iterable[str] = (),
        since: datetime | None = None,
        until: datetime | None = None,
        excluded_per_author: Mapping[str, int] | None = None,
    ) -> None:
        self._session = session
        self._excluding = frozenset(excluding)
        self._whole_run = whole_run
        self._authors = sorted(set(authors))
        self._since = since
        self._until = until
        self._excluded_per_author = excluded_per_author
        self._counts: dict[str, int] | None = None
        self._decisions: dict[str, tuple[int, int]] | None = None
        self._times: dict[str, tuple[datetime, ...]] | None = None

    def comment_count(self, author: str) -> int:
        if self._whole_run:
            return 0
        if self._counts is None or author not in self._counts:
            self._load_counts(author)
        assert self._counts is not None
        return self._counts.get(author, 0)

    def decisions(self, author: str) -> tuple[int, int]:
        if self._decisions is None or (not self._whole_run and author not in self._decisions):
            self._load_decisions(author)
        assert self._decisions is not None
        return self._decisions.get(author, (0, 0))

    def recent_times(self, author: str) -> Sequence[datetime]:
        if self._whole_run:
            return ()
        if self._times is None or author not in self._times:
            self._load_times(author)
        assert self._times is not None
        return self._times.get(author, ())

    def _batch(self, author: str, loaded: Mapping[str, object] | None) -> list[str]:
        """Who to read for: the whole batch the first time, then a straggler on its own."""
        return [author] if loaded is not None or author not in self._authors else self._authors

    def _load_counts(self, author: str) -> None:
        names = self._batch(author, self._counts)
        excluded = self._excluded_counts()
        counts = {} if self._counts is None else self._counts
        counts.update(dict.fromkeys(names, 0))
        query = (
            select(Author.name, func.count(Comment.id))
            .select_from(Comment)
            .join(Author, Author.id == Comment.author_id)
            .group_by(Author.name)
        )
        for chunk in chunked(names):
            for name, count in self._session.execute(query.where(Author.name.in_(chunk))):
                counts[name] = count - excluded.get(name, 0)
        self._counts = counts

    def _excluded_counts(self) -> Mapping[str, int]:
        # How many of the comments being checked each author wrote: counts leave them out.
        if self._excluded_per_author is None:
            found: Counter[str] = Counter()
            for chunk in chunked(sorted(self._excluding)):
                found.update(
                    self._session.scalars(
                        select(Author.name)
                        .join(Comment, Comment.author_id == Author.id)
                        .where(Comment.id.in_(chunk))
                    )
                )
            self._excluded_per_author = found
        return self._excluded_per_author

    def _load_decisions(self, author: str) -> None:
        decisions = {} if self._decisions is None else self._decisions
        query = (
            select(Author.name, Comment.status, func.count(Comment.id))
            .select_from(Comment)
            .join(Author, Author.id == Comment.author_id)
            .where(Comment.status != Status.PENDING)
            .group_by(Author.name, Comment.status)
        )
        if self._whole_run:
            # A whole run asks about every author: one grouped query answers them all.
            scopes: list[Any] = [query]
        else:
            names = self._batch(author, self._decisions)
            decisions.update(dict.fromkeys(names, (0, 0)))
            scopes = [query.where(Author.name.in_(chunk)) for chunk in chunked(names)]
        counts: dict[str, list[int]] = {}
        for scoped in scopes:
            for name, status, count in self._session.execute(scoped):
                pair = counts.setdefault(name, [0, 0])
                pair[0 if status == Status.HIDDEN else 1] += count
        decisions.update((name, (hidden, approved)) for name, (hidden, approved) in counts.items())
        self._decisions = decisions

    def _load_times(self, author: str) -> None:
        names = self._batch(author, self._times)
        recent = [] if self._since is None else [Comment.posted_at >= self._since]
        if self._until is not None:
            recent.append(Comment.posted_at <= self._until)
        found: dict[str, list[datetime]] = {name: [] for name in names}
        for chunk in chunked(names):
            rows = self._session.execute(
                select(Author.name, Comment.id, Comment.posted_at)
                .join(Author, Author.id == Comment.author_id)
                .where(Author.name.in_(chunk), *recent)
            )
            for name, comment_id, posted in rows:
                if comment_id not in self._excluding:
                    found[name].append(posted)
        times = {} if self._times is None else self._times
        times.update((name, tuple(sorted(posted))) for name, posted in found.items())
        self._times = times


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


def scorer_for(session: Session, rule_set: RuleSet, history: AuthorHistory) -> HideScorer | None:
    """The desk's ranker for a run of this rule set, if one of its rules asks for it."""
    if not any(rule.kind == "ranker" for rule in rule_set.enabled):
        return None
    from moderator.services.ranking import hide_scorer  # noqa: PLC0415 - numpy, only then

    return hide_scorer(session, history)


@dataclass(frozen=True, slots=True)
class Checked:
    """Rule results for comments about to be stored, worked out before the write: how many
    were checked, the hits of each one hit (by its reserved id), and the evidence its
    ``flag`` entry will carry. (Only those hit: a million empty results cost 100 MB.)"""

    checked: int
    results: list[tuple[int, list[Hit]]]
    evidence: dict[int, str]

    def urgency(self) -> dict[int, int]:
        """The urgency of each comment hit, by id (the others' is NOT_FLAGGED): to store
        with the comments, rather than update them with it after."""
        return {comment_id: urgency_of(hits) for comment_id, hits in self.results}


def check_new(session: Session, rule_set: RuleSet, comments: Sequence[CommentSnapshot]) -> Checked:
    """Run the rule set over comments not stored yet (ids reserved), reading their authors'
    history in ``session`` (a read): what :func:`flag_comments` would find once they are."""
    comments = sorted(comments, key=lambda c: (c.posted_at or _EPOCH, c.id or 0))
    dated = [c.posted_at for c in comments if c.posted_at is not None]
    results: list[tuple[int, list[Hit]]] = []
    found: dict[int, str] = {}
    run = check_in_order(
        session,
        rule_set,
        comments,
        authors={c.author for c in comments},
        first=min(dated) if dated else None,
        last=max(dated) if dated else None,
    )
    for comment_id, hits, said in run:
        results.append((comment_id, hits))
        found[comment_id] = said
    return Checked(len(comments), results, found)


def check_in_order(
    session: Session,
    rule_set: RuleSet,
    comments: Iterable[CommentSnapshot],
    *,
    authors: Iterable[str],
    first: datetime | None,
    last: datetime | None,
) -> Iterator[tuple[int, list[Hit], str]]:
    """One run of the rule set over comments not stored yet (ids reserved), given in posting
    order (``first`` and ``last`` their earliest and latest times, ``authors`` all their
    authors): the hits and the ``flag`` entry's evidence of each comment hit."""
    reach = max((rule.looks_back() for rule in rule_set.enabled), default=timedelta(0))
    history = StoredHistory(
        session,
        authors=authors,
        excluded_per_author=Counter(),
        since=first - reach if first is not None else None,
        until=last,
    )
    engine = RuleEngine(rule_set, history=history, scorer=scorer_for(session, rule_set, history))
    for comment, hits in engine.check_all(comments):
        assert comment.id is not None, "check_new needs the comments' reserved ids"
        if hits:
            yield (
                comment.id,
                hits,
                evidence(
                    comment.body,
                    [
                        (
                            hit.rule_id,
                            str(hit.severity),
                            [list(s) for s in hit.spans],
                            hit.explanation,
                        )
                        for hit in hits
                    ],
                ),
            )


def flag_comments(session: Session, rule_set: RuleSet, ids: Sequence[int]) -> FlagChange:
    """Run the rule set over these comments (new ones: their history excludes them) and store."""
    comments = snapshots(session, ids)
    dated = [c.posted_at for c in comments if c.posted_at is not None]
    # Posting times matter from the furthest a rule looks back before the first new comment
    # up to the last one: a burst counts the minutes before each comment, none after.
    reach = max((rule.looks_back() for rule in rule_set.enabled), default=timedelta(0))
    history = StoredHistory(
        session,
        excluding=ids,
        authors={c.author for c in comments},
        excluded_per_author=Counter(c.author for c in comments),
        since=min(dated) - reach if dated else None,
        until=max(dated) if dated else None,
    )
    engine = RuleEngine(rule_set, history=history, scorer=scorer_for(session, rule_set, history))
    results = [
        (comment.id, hits) for comment, hits in engine.check_all(comments) if comment.id is not None
    ]
    return store_hits(session, results, rule_set=rule_set)
