"""What other desks did: the log's new entries as change records, and a watcher that says
when there are some.

A desk's views follow its own decisions from the change records its services return; they
follow everyone else's from here. :func:`activity_since` turns the log's entries after a
number into the same records (one step per comment, its net move); :class:`LogWatcher` calls
back soon after any desk commits to the log or to the claims: on PostgreSQL it LISTENs for
the NOTIFY each such commit sends, on SQLite (where several processes share one file) it
polls the log's head and the claims table, which costs two indexed reads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from moderator.domain import ActionKind, ReasonCode, Status
from moderator.services.changes import CommentChange, ModerationChange
from moderator.store.batching import chunked
from moderator.store.database import Database
from moderator.store.models import NOT_FLAGGED, Claim, Comment, LogEntryRow, LogHead
from moderator.store.notify import CHANNEL

# How often SQLite is polled, and how long a PostgreSQL listener waits before looking at its
# stop flag: well inside the two seconds a teammate's decision may take to show.
POLL_SECONDS = 0.5
CONNECT_SECONDS = 5
# More new entries than this at once (a large import, a rule run elsewhere) and a view is
# better off reading itself again than following them one by one.
FOLLOW_AT_MOST = 2_000


def log_head(session: Session) -> int:
    """The number of the log's last entry (0 for an empty log)."""
    return session.scalar(select(LogHead.seq)) or 0


@dataclass(frozen=True, slots=True)
class LogActivity:
    """The log's entries after ``since`` up to ``head``, as the views need them.

    ``changes``: comments others moved (status or escalation), one step per comment from its
    first state to its last, grouped by the last entry's action and actor. ``other``: the
    kinds of the other entries (imports, flags, notes, locks...), after which views re-read
    what those touch. ``overflow``: more entries than a view should follow one by one.
    """

    since: int
    head: int
    changes: tuple[ModerationChange, ...] = ()
    other: frozenset[str] = frozenset()
    overflow: bool = False

    @property
    def empty(self) -> bool:
        return self.head == self.since


_DECISIONS = frozenset(ActionKind)
# An editor's outcome ends an escalation; escalating starts one.
_ENDS_ESCALATION = frozenset({ActionKind.UPHOLD, ActionKind.OVERTURN, ActionKind.RETURN})
_PUTS_BACK = frozenset({ActionKind.UNDO, ActionKind.REVERT})
# seq, action, actor, comment, article, from, to, escalated, reason, reverts
_Row = tuple[Any, ...]


def _reason(text: str | None) -> ReasonCode | None:
    try:
        return None if text is None else ReasonCode(text)
    except ValueError:
        return None  # a reason of an older version, say: shown without it


def activity_since(
    session: Session,
    since: int,
    *,
    skip: Sequence[int] | frozenset[int] = frozenset(),
    limit: int = FOLLOW_AT_MOST,
) -> LogActivity:
    """What the log holds after entry ``since``, except the entries in ``skip`` (a desk's
    own, which its views have followed already).

    Each decision entry is one step, in log order (not merged per comment: a view that read
    itself again part-way through follows only the steps after what it read, by their
    numbers). Steps in a row with the same action, actor and reason make one change record.
    """
    head = log_head(session)
    if head <= since:
        return LogActivity(since, max(head, since))
    if head - since > limit:
        return LogActivity(since, head, overflow=True)
    rows = session.execute(
        select(
            LogEntryRow.seq,
            LogEntryRow.action,
            LogEntryRow.actor,
            LogEntryRow.comment_id,
            LogEntryRow.article_id,
            LogEntryRow.from_status,
            LogEntryRow.to_status,
            LogEntryRow.escalated,
            LogEntryRow.reason,
            LogEntryRow.reverts,
        )
        .where(LogEntryRow.seq > since, LogEntryRow.seq <= head)
        .order_by(LogEntryRow.seq)
    ).all()
    skipped = frozenset(skip)
    decisions: list[_Row] = []
    other: set[str] = set()
    for row in rows:
        seq, action, _, comment_id, article_id, from_status, to_status = row[:7]
        if seq in skipped:
            continue
        if action in _DECISIONS and None not in (comment_id, article_id, from_status, to_status):
            decisions.append(tuple(row))
        else:
            other.add(action)
    changes = _changes(session, decisions)
    return LogActivity(since, head, changes, frozenset(other))


def _changes(session: Session, rows: list[_Row]) -> tuple[ModerationChange, ...]:
    flagged = _flagged(session, [row[3] for row in rows])
    # Each comment's escalation before its step, from the kind of step: escalating finds
    # none, an editor's outcome one; an undo or a revert finds what the entry it reverts left
    # (nothing comes between: versions see to it); the rest keep it as they find it.
    reverted = _escalated_after(session, [row[9] for row in rows if row[9] is not None])
    changes: list[ModerationChange] = []
    group: list[CommentChange] = []
    in_group: set[int] = set()
    key: tuple[ActionKind, str, ReasonCode | None] | None = None
    for (
        seq,
        action,
        actor,
        comment_id,
        article_id,
        from_status,
        to_status,
        escalated,
        why,
        back,
    ) in rows:
        kind = ActionKind(action)
        if kind is ActionKind.ESCALATE:
            was = False
        elif kind in _ENDS_ESCALATION:
            was = True
        elif kind in _PUTS_BACK and back is not None:
            was = reverted.get(back, bool(escalated))
        else:
            was = bool(escalated)
        step = CommentChange(
            comment_id=comment_id,
            article_id=article_id,
            entry_seq=seq,
            from_status=Status(from_status),
            to_status=Status(to_status),
            was_escalated=was,
            escalated=bool(escalated),
            flagged=comment_id in flagged,
        )
        this = (kind, actor, _reason(why))
        if this != key or comment_id in in_group:
            if group and key is not None:
                changes.append(_record(key, group))
            key, group, in_group = this, [], set()
        group.append(step)
        in_group.add(comment_id)
    if group and key is not None:
        changes.append(_record(key, group))
    return tuple(changes)


def _record(
    key: tuple[ActionKind, str, ReasonCode | None], steps: list[CommentChange]
) -> ModerationChange:
    action, actor, reason = key
    return ModerationChange(
        action=action, actor=actor, reason=reason, note=None, comments=tuple(steps)
    )


def _escalated_after(session: Session, seqs: list[int]) -> dict[int, bool]:
    """For each of these entries, whether its comment was escalated after it: what an undo
    or a revert of it found (the version check lets nothing come between)."""
    found: dict[int, bool] = {}
    for chunk in chunked(sorted(set(seqs))):
        rows = session.execute(
            select(LogEntryRow.seq, LogEntryRow.escalated).where(LogEntryRow.seq.in_(chunk))
        )
        found.update((seq, bool(escalated)) for seq, escalated in rows)
    return found


def _flagged(session: Session, ids: list[int]) -> set[int]:
    found: set[int] = set()
    for chunk in chunked(sorted(ids)):
        found.update(
            session.scalars(
                select(Comment.id).where(Comment.id.in_(chunk), Comment.urgency < NOT_FLAGGED)
            )
        )
    return found


@dataclass
class LogWatcher:
    """Calls ``on_change()`` from a helper thread soon after any desk (this one too) commits
    to the log or the claims. ``start()`` it, ``stop()`` it; the callback must be quick and
    thread-safe (a desk's window posts itself an event)."""

    database: Database
    on_change: Callable[[], None]
    poll_seconds: float = POLL_SECONDS
    _stop: threading.Event = field(default_factory=threading.Event, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)

    def start(self) -> None:
        if self._thread is not None:
            return
        postgres = self.database.engine.dialect.name == "postgresql"
        target = self._listen if postgres else self._poll
        self._thread = threading.Thread(target=target, name="moderator-log-watcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _poll(self) -> None:
        last: tuple[Any, ...] | None = None
        while not self._stop.is_set():
            try:
                with self.database.session() as session:
                    now = (
                        log_head(session),
                        *session.execute(
                            select(func.count(), func.max(Claim.expires_at)).select_from(Claim)
                        ).one(),
                    )
            except Exception:
                now = None
            if now is not None and last is not None and now != last:
                self.on_change()
            last = now if now is not None else last
            self._stop.wait(self.poll_seconds)

    def _listen(self) -> None:
        import psycopg  # noqa: PLC0415 - PostgreSQL only (the 'postgres' extra)

        url = self.database.engine.url.set(drivername="postgresql")
        conninfo = url.render_as_string(hide_password=False)
        while not self._stop.is_set():
            try:
                # A timeout, so that stopping never waits long on an unreachable server.
                with psycopg.connect(
                    conninfo, autocommit=True, connect_timeout=CONNECT_SECONDS
                ) as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    # Whatever happened while not listening (at first, or after a lost
                    # connection) is looked at now.
                    self.on_change()
                    while not self._stop.is_set():
                        got = list(connection.notifies(timeout=self.poll_seconds, stop_after=1))
                        if got:
                            self.on_change()
            except psycopg.Error:
                self._stop.wait(self.poll_seconds)
