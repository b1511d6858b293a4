"""The comment queue: which comments a queue holds, and its rows a page at a time, from either end.

Pages are addressed by a neighbouring row (keyset paging), so the last page of a million rows
costs what the first does. Every order is served by an index that starts with the queue's
status; a queue of every status is a merge of one walk per status.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from moderator.domain import Status
from moderator.queries.snapshots import CommentRow, FlagRow
from moderator.store.batching import chunked
from moderator.store.models import NOT_FLAGGED, UNSCORED, Article, Author, Comment, Flag

_SelectT = TypeVar("_SelectT", bound=Select[*tuple[Any, ...]])
_Order = tuple[InstrumentedAttribute[Any], ...]

BY_TIME: _Order = (Comment.posted_at, Comment.id)
IN_THREAD: _Order = (Comment.position, Comment.id)
# Written as a literal, not a parameter: only then can SQLite see that the partial index on
# flagged comments (urgency < NOT_FLAGGED) covers the query.
_FLAGGED = Comment.urgency < literal_column(str(NOT_FLAGGED))
_UNFLAGGED = Comment.urgency == NOT_FLAGGED
# The same for the partial index on scored comments (hide_rank < UNSCORED).
_SCORED = Comment.hide_rank < literal_column(str(UNSCORED))
_UNSCORED = Comment.hide_rank == UNSCORED


class QueueOrder(StrEnum):
    """How a queue is ordered: as posted (thread order within an article), the gravest
    flags first (then as posted), or the likeliest to be hidden first by the ranker learnt
    from the desk's decisions (then as by severity: all of it while nothing is scored)."""

    TIME = "time"
    SEVERITY = "severity"
    LIKELY = "likely"


def contains(word: str) -> str:
    """A LIKE pattern (escape ``\\``) for text holding ``word``: typed text matched as text,
    % and _ no wildcards."""
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """Which comments a queue shows, and in what order; ``None`` means any."""

    article_id: int | None = None
    status: Status | None = None
    flagged: bool = False
    order: QueueOrder = QueueOrder.TIME
    # Words the comment's text or its author's name must contain (any case); "" for any.
    search: str = ""
    # One author's comments only (their name as the source shows it).
    author: str | None = None

    def apply(self, query: _SelectT) -> _SelectT:
        if self.article_id is not None:
            query = query.where(Comment.article_id == self.article_id)
        if self.status is not None:
            query = query.where(Comment.status == self.status)
        if self.flagged:
            query = query.where(exists().where(Flag.comment_id == Comment.id))
        if self.author is not None:
            author_id = select(Author.id).where(Author.name == self.author).scalar_subquery()
            query = query.where(Comment.author_id == author_id)
        for word in self.search.split():
            pattern = contains(word)
            authors = select(Author.id).where(Author.name.ilike(pattern, escape="\\"))
            query = query.where(
                or_(Comment.body.ilike(pattern, escape="\\"), Comment.author_id.in_(authors))
            )
        return query

    @property
    def sort_columns(self) -> _Order:
        """The columns the queue is ordered by (the last one, the id, breaks every tie)."""
        order = IN_THREAD if self.article_id is not None else BY_TIME
        if self.order is QueueOrder.LIKELY:
            return (Comment.hide_rank, Comment.urgency, *order)
        return (Comment.urgency, *order) if self.order is QueueOrder.SEVERITY else order

    def sort_key(self, row: Any) -> tuple[Any, ...]:
        """A row's place in the queue's order, to sort rows already read (a snapshot or a
        result row: anything with the order columns as attributes)."""
        return tuple(getattr(row, column.key) for column in self.sort_columns)

    def may_hold(self, article_id: int, status: Status, flagged: bool) -> bool:
        """Whether a comment of this article, status and flagging may be in the queue (its
        search and author, if any, are only known to the database: see :func:`in_queue`)."""
        return (
            (self.article_id is None or self.article_id == article_id)
            and (self.status is None or self.status == status)
            and (flagged or not self.flagged)
        )


@dataclass(frozen=True, slots=True)
class _Anchor:
    """A place in a queue: the values of a row's order columns (a column of no order: 0)."""

    id: int
    posted_at: datetime
    urgency: int = NOT_FLAGGED
    position: int = 0
    hide_rank: int = UNSCORED

    @classmethod
    def of(cls, row: CommentRow | None) -> _Anchor | None:
        if row is None:
            return None
        return cls(row.id, row.posted_at, row.urgency, row.position, row.hide_rank)

    def key(self, order: _Order) -> tuple[Any, ...]:
        return tuple(getattr(self, column.key) for column in order)


@dataclass(frozen=True, slots=True)
class _Walk:
    """Where a page starts and which way it goes: from ``anchor`` (None for the queue's first
    row, or its last going backward; the anchor itself only if ``inclusive``), skipping
    ``offset`` rows, ``limit`` rows."""

    anchor: _Anchor | None
    backward: bool
    limit: int | None
    offset: int = 0
    inclusive: bool = False

    def taking(self, limit: int | None, anchor: _Anchor | None, offset: int = 0) -> _Walk:
        return replace(self, limit=limit, anchor=anchor, offset=offset)


def list_queue(
    session: Session,
    queue: QueueFilter,
    *,
    limit: int | None = None,
    offset: int = 0,
    after: CommentRow | None = None,
    before: CommentRow | None = None,
    from_end: bool = False,
) -> list[CommentRow]:
    """A page of the queue, in queue order: one article's comments in thread order, or all by
    time posted; by severity, the gravest flags first and then in that order.

    The page starts at the queue's first row, or just after ``after`` (a row of the previous
    page: unlike ``offset`` alone, it costs the same on the thousandth page as on the first).
    With ``before`` it is the rows just before that row, with ``from_end`` the queue's last
    rows; ``offset`` then counts back from there. Either way the page is in queue order.
    """
    if after is not None and (before is not None or from_end):
        raise ValueError("a page runs either after a row or towards the start, not both")
    backward = before is not None or from_end
    walk = _Walk(_Anchor.of(before if backward else after), backward, limit, offset)
    rows = _walk(session, queue, walk)
    if backward:
        rows.reverse()
    flags = _flags_for(session, [row.id for row in rows])
    return [_snapshot(row, flags) for row in rows]


def _walk(session: Session, queue: QueueFilter, walk: _Walk) -> list[Any]:
    """The page's rows in the order walked (backward: last first)."""
    if queue.article_id is None and queue.status is None:
        return _merged_statuses(session, queue, walk)
    if queue.article_id is None and queue.order is not QueueOrder.TIME:
        return _across_in_runs(session, queue, walk)
    # One article's queue is small enough to sort.
    return _page(session, queue, queue.sort_columns, walk)


def _merged_statuses(session: Session, queue: QueueFilter, walk: _Walk) -> list[Any]:
    """Every article's comments of every status: a page of each status (each served by an
    index that starts with the status), merged. Ordering all of them in one query has no index
    to follow and sorts the whole table for every page."""
    if walk.offset:
        # Find the first row's place first, from the statuses' keys merged in the database.
        anchor = _locate_merged(session, queue, walk)
        if anchor is None:
            return []
        walk = replace(walk, anchor=anchor, inclusive=True, offset=0)
    rows = [row for status in Status for row in _walk(session, replace(queue, status=status), walk)]
    rows.sort(key=queue.sort_key, reverse=walk.backward)
    return rows if walk.limit is None else rows[: walk.limit]


def _locate_merged(session: Session, queue: QueueFilter, walk: _Walk) -> _Anchor | None:
    """The place ``walk.offset`` rows on in a queue of every status: each status's keys in
    order (from its index; no row is read), merged, counted off."""
    order = queue.sort_columns
    arms = []
    for status in Status:
        arm = replace(queue, status=status).apply(select(*order))
        if walk.anchor is not None:
            bound = walk.anchor.key(order)
            arm = arm.where(_compare(order, bound, walk.backward, walk.inclusive))
        arms.append(arm)
    merged = union_all(*arms)
    columns = list(merged.selected_columns)
    merged = merged.order_by(*(column.desc() if walk.backward else column for column in columns))
    found = session.execute(merged.offset(walk.offset).limit(1)).first()
    if found is None:
        return None
    values = dict(zip((column.key for column in order), found, strict=True))
    return _Anchor(**values)


@dataclass(frozen=True, slots=True)
class _Run:
    """Part of a queue across articles that one index serves in order: its rows (``where``),
    their order, and whether a row (an anchor) belongs to it."""

    order: _Order
    where: ColumnElement[bool]
    holds: Callable[[_Anchor], bool]


# By severity: the flagged comments by urgency (their partial index), then the rest by time.
_BY_SEVERITY = (
    _Run((Comment.urgency, *BY_TIME), _FLAGGED, lambda a: a.urgency < NOT_FLAGGED),
    _Run(BY_TIME, _UNFLAGGED, lambda a: a.urgency >= NOT_FLAGGED),
)
# By likelihood: the scored comments by rank (their partial index), then the rest as by
# severity. New comments are unscored: storing them costs no index of ranks.
_BY_LIKELIHOOD = (
    _Run((Comment.hide_rank, Comment.urgency, *BY_TIME), _SCORED, lambda a: a.hide_rank < UNSCORED),
    _Run(
        (Comment.urgency, *BY_TIME),
        and_(_UNSCORED, _FLAGGED),
        lambda a: a.hide_rank >= UNSCORED and a.urgency < NOT_FLAGGED,
    ),
    _Run(
        BY_TIME,
        and_(_UNSCORED, _UNFLAGGED),
        lambda a: a.hide_rank >= UNSCORED and a.urgency >= NOT_FLAGGED,
    ),
)


def _across_in_runs(session: Session, queue: QueueFilter, walk: _Walk) -> list[Any]:
    """Every article's queue of one status by severity or likelihood, run after run (see
    ``_BY_SEVERITY``, ``_BY_LIKELIHOOD``): one sorted query over all of them would sort a
    million rows for every page."""
    runs = list(_BY_LIKELIHOOD if queue.order is QueueOrder.LIKELY else _BY_SEVERITY)
    if walk.backward:
        runs.reverse()
    anchor, offset = walk.anchor, walk.offset
    if anchor is not None:
        # The runs before the anchor's lie wholly behind the walk.
        start = anchor
        runs = runs[next(i for i, run in enumerate(runs) if run.holds(start)) :]
    rows: list[Any] = []
    for run in runs:
        left = None if walk.limit is None else walk.limit - len(rows)
        if offset:
            past_anchor = _count(session, queue, run.order, walk.taking(None, anchor), run.where)
            if offset >= past_anchor:
                offset -= past_anchor
                anchor = None
                continue
        rows += _page(session, queue, run.order, walk.taking(left, anchor, offset), run.where)
        if walk.limit is not None and len(rows) >= walk.limit:
            break
        anchor, offset = None, 0
    return rows


def _page(
    session: Session,
    queue: QueueFilter,
    order: _Order,
    walk: _Walk,
    *where: ColumnElement[bool],
) -> list[Any]:
    """Rows of the queue (narrowed by ``where``) in ``order``, as the walk asks."""
    bound = None if walk.anchor is None else walk.anchor.key(order)
    inclusive = walk.inclusive
    if walk.offset:
        # Find the first row's key alone (the index holds it; nothing else is read for the
        # rows skipped), then read the page from there.
        keys = queue.apply(select(*order)).where(*where)
        keys = _beyond(keys, order, bound, walk.backward, walk.inclusive)
        found = session.execute(keys.offset(walk.offset).limit(1)).first()
        if found is None:
            return []
        bound, inclusive = tuple(found), True
    query = _beyond(
        queue.apply(_comment_rows()).where(*where), order, bound, walk.backward, inclusive
    )
    if walk.limit is not None:
        query = query.limit(walk.limit)
    return list(session.execute(query).all())


def _count(
    session: Session, queue: QueueFilter, order: _Order, walk: _Walk, *where: ColumnElement[bool]
) -> int:
    """How many rows of the queue (narrowed by ``where``) lie beyond the walk's anchor."""
    bound = None if walk.anchor is None else walk.anchor.key(order)
    query = queue.apply(select(func.count(Comment.id))).where(*where)
    if bound is not None:
        query = query.where(_compare(order, bound, walk.backward, walk.inclusive))
    return session.scalar(query) or 0


def _beyond(
    query: _SelectT,
    order: _Order,
    bound: tuple[Any, ...] | None,
    backward: bool,
    inclusive: bool,
) -> _SelectT:
    """``query`` ordered along the walk, from ``bound`` (a row's values of the order's columns)."""
    if bound is not None:
        query = query.where(_compare(order, bound, backward, inclusive))
    return query.order_by(*(column.desc() for column in order) if backward else order)


def _compare(
    order: _Order, bound: tuple[Any, ...], backward: bool, inclusive: bool
) -> ColumnElement[bool]:
    values = tuple_(
        *(literal(value, column.type) for column, value in zip(order, bound, strict=True))
    )
    columns = tuple_(*order)
    if backward:
        return columns <= values if inclusive else columns < values
    return columns >= values if inclusive else columns > values


def _comment_rows() -> Select[int, int, str, int, str, datetime, str, Status, bool, int, int, int]:
    """The columns of a :class:`CommentRow`, in its field order."""
    return (
        select(
            Comment.id,
            Comment.article_id,
            Article.title,
            Comment.position,
            Author.name,
            Comment.posted_at,
            Comment.body,
            Comment.status,
            Comment.escalated,
            Comment.urgency,
            Comment.version,
            Comment.hide_rank,
        )
        .join(Article, Article.id == Comment.article_id)
        .join(Author, Author.id == Comment.author_id)
    )


def _snapshot(row: Any, flags: dict[int, tuple[FlagRow, ...]]) -> CommentRow:
    (
        comment_id,
        article_id,
        title,
        position,
        author,
        posted_at,
        body,
        status,
        escalated,
        urgency,
        version,
        hide_rank,
    ) = row
    return CommentRow(
        id=comment_id,
        article_id=article_id,
        article_title=title,
        position=position,
        author=author,
        posted_at=posted_at,
        body=body,
        status=status,
        escalated=escalated,
        flags=flags.get(comment_id, ()),
        urgency=urgency,
        version=version,
        hide_rank=hide_rank,
    )


def count_queue(session: Session, queue: QueueFilter) -> int:
    return session.scalar(queue.apply(select(func.count(Comment.id)))) or 0


@dataclass(frozen=True, slots=True)
class TabCounts:
    """How many of a queue's comments (its article, search and author, any status) are in
    each status, and how many pending ones rules flagged: the queue's tabs, counted."""

    pending: int = 0
    flagged_pending: int = 0
    approved: int = 0
    hidden: int = 0

    @property
    def comments(self) -> int:
        return self.pending + self.approved + self.hidden

    def moved(self, from_status: Status, to_status: Status, *, flagged: bool) -> TabCounts:
        """The counts once one comment moved from one status to another."""
        counts = {
            "pending": self.pending,
            "approved": self.approved,
            "hidden": self.hidden,
            "flagged_pending": self.flagged_pending,
        }
        counts[str(from_status)] -= 1
        counts[str(to_status)] += 1
        if flagged:
            counts["flagged_pending"] += (to_status is Status.PENDING) - (
                from_status is Status.PENDING
            )
        return TabCounts(**counts)


def count_tabs(session: Session, queue: QueueFilter) -> TabCounts:
    """The queue's comments counted by status (and flagged pending) in one pass, whatever the
    queue's own status and flagging: what each tab would hold with its search."""
    flagged = exists().where(Flag.comment_id == Comment.id)
    unbounded = replace(queue, status=None, flagged=False)
    rows = session.execute(
        unbounded.apply(
            select(Comment.status, flagged.label("flagged"), func.count(Comment.id))
        ).group_by(Comment.status, flagged)
    )
    counts = {"pending": 0, "approved": 0, "hidden": 0, "flagged_pending": 0}
    for status, is_flagged, count in rows:
        counts[str(Status(status))] += count
        if is_flagged and Status(status) is Status.PENDING:
            counts["flagged_pending"] += count
    return TabCounts(**counts)


def count_before(session: Session, queue: QueueFilter, row: CommentRow) -> int:
    """How many of the queue's comments come before ``row`` in its order: the row's number in
    the queue, or, if it has just left the queue, the number it had."""
    walk = _Walk(_Anchor.of(row), backward=True, limit=None)
    return _count(session, queue, queue.sort_columns, walk)


def in_queue(session: Session, queue: QueueFilter, ids: list[int]) -> list[int]:
    """Those of ``ids`` that the queue's conditions other than status let in, in the order
    given: whether a comment that changed status is one the queue shows either side."""
    unbounded = replace(queue, status=None)
    found: set[int] = set()
    for chunk in chunked(ids):
        found.update(
            session.scalars(unbounded.apply(select(Comment.id)).where(Comment.id.in_(chunk)))
        )
    return [comment_id for comment_id in ids if comment_id in found]


def hide_ranks(session: Session, ids: list[int]) -> dict[int, int]:
    """These comments' places by the ranker as they stand (``CommentRow.hide_rank``; UNSCORED
    for none), by id (missing ones left out): what a queue holding their rows reads when the
    ranker has placed the pending comments anew, rather than every row again."""
    found: dict[int, int] = {}
    for chunk in chunked(ids):
        rows = session.execute(select(Comment.id, Comment.hide_rank).where(Comment.id.in_(chunk)))
        found.update((comment_id, rank) for comment_id, rank in rows)
    return found


def get_comment(session: Session, comment_id: int) -> CommentRow | None:
    rows = list_queue_by_ids(session, [comment_id])
    return rows[0] if rows else None


def list_queue_by_ids(session: Session, ids: list[int]) -> list[CommentRow]:
    """Fresh snapshots of these comments, in the order asked for (missing ones left out)."""
    found: dict[int, CommentRow] = {}
    for chunk in chunked(ids):
        rows = session.execute(_comment_rows().where(Comment.id.in_(chunk))).all()
        flags = _flags_for(session, [row.id for row in rows])
        found.update((row.id, _snapshot(row, flags)) for row in rows)
    return [found[i] for i in ids if i in found]


def _flags_for(session: Session, ids: list[int]) -> dict[int, tuple[FlagRow, ...]]:
    flags: defaultdict[int, list[FlagRow]] = defaultdict(list)
    for chunk in chunked(ids):
        query = (
            select(Flag.comment_id, Flag.rule_id, Flag.severity, Flag.explanation, Flag.spans)
            .where(Flag.comment_id.in_(chunk))
            .order_by(Flag.comment_id, Flag.id)
        )
        for comment_id, rule_id, severity, explanation, spans in session.execute(query):
            flags[comment_id].append(
                FlagRow(rule_id, severity, explanation, tuple((a, b) for a, b in spans))
            )
    return {comment_id: tuple(rows) for comment_id, rows in flags.items()}
