"""The comment queue's table model: columns from one enum, rows read a page at a time wherever
the view is, following decisions in place."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics

from moderator.domain import Severity, Status
from moderator.imports.importer import ImportReport
from moderator.output.display import one_line
from moderator.queries.queue import (
    QueueFilter,
    count_before,
    count_queue,
    get_comment,
    hide_ranks,
    in_queue,
    list_queue,
    list_queue_by_ids,
)
from moderator.queries.snapshots import CommentRow
from moderator.services.changes import CommentChange, ModerationChange
from moderator.services.live import log_head
from moderator.store.database import Database
from ui.comments.held_rows import HeldRows
from ui.common.messages import plain_tooltip
from ui.common.severity import DOT_COLOURS, RANK

AnyIndex = QModelIndex | QPersistentModelIndex
PAGE_SIZE = 200
# Rows held either side of the last one read: a few screens' worth, whatever the queue's size.
REACH = 25 * PAGE_SIZE
# A decision on more rows than this that the model does not hold is followed by reading the
# queue again, rather than by finding each row's place.
PLACE_AT_MOST = 50
# The excerpt is one line in the table; the view elides it, this only bounds the string.
EXCERPT_CHARS = 300
# The Flags column's chips (``Chip``), for its delegate to draw.
ChipsRole = Qt.ItemDataRole.UserRole + 1
# The roles a cell answers with its row's text (or chips).
_TEXT_ROLES = frozenset(
    {
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.AccessibleTextRole,
        Qt.ItemDataRole.ToolTipRole,
        ChipsRole,
    }
)
# Shown in a row not read yet, until it is (the next turn of the event loop).
NOT_READ_YET = "…"

_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def posted_text(row: CommentRow) -> str:
    # Shown as stored, not in local time: scraped times are the site's own clock, and a
    # moderator compares them with what the page printed.
    return f"{row.posted_at:%d %b %Y %H:%M}"


def status_text(row: CommentRow) -> str:
    text = row.status.value.capitalize()
    return f"{text}, escalated" if row.escalated else text


def top_severity(row: CommentRow) -> Severity | None:
    """The gravest of the comment's flags, or None if no rule flagged it."""
    return max((flag.severity for flag in row.flags), key=RANK.__getitem__, default=None)


def flags_text(row: CommentRow) -> str:
    """ "high: insults, links": the gravest severity and which rules flagged the comment."""
    severity = top_severity(row)
    if severity is None:
        return ""
    rules = ", ".join(dict.fromkeys(flag.rule_id for flag in row.flags))
    return f"{severity.value}: {rules}"


@dataclass(frozen=True, slots=True)
class Chip:
    """A short label drawn as a rounded chip in the Flags column; ``colour`` fills it."""

    text: str
    colour: QColor


# Escalated comments wait for an editor: a colour no severity uses (violet), and grey for a
# comment a teammate has open.
ESCALATED_COLOUR = QColor(124, 58, 237)
CLAIMED_COLOUR = QColor(100, 116, 139)
# A chip's label at most; the tooltip and the detail pane have the rule's whole name.
CHIP_CHARACTERS = 14
# Rule chips shown at most; "+N" says how many more there are.
CHIPS_AT_MOST = 2


def chips(row: CommentRow, holder: str | None = None) -> tuple[Chip, ...]:
    """The Flags column's chips: escalated, who has it open, then each rule, gravest first."""
    found: list[Chip] = []
    if row.escalated:
        found.append(Chip("escalated", ESCALATED_COLOUR))
    if holder is not None:
        found.append(Chip(f"{one_line(holder, CHIP_CHARACTERS)} has it", CLAIMED_COLOUR))
    gravest: dict[str, Severity] = {}
    for flag in sorted(row.flags, key=lambda flag: -RANK[flag.severity]):
        gravest.setdefault(flag.rule_id, flag.severity)
    rules = list(gravest.items())
    for rule_id, severity in rules[:CHIPS_AT_MOST]:
        found.append(Chip(one_line(rule_id, CHIP_CHARACTERS), DOT_COLOURS[severity]))
    if len(rules) > CHIPS_AT_MOST:
        found.append(Chip(f"+{len(rules) - CHIPS_AT_MOST}", CLAIMED_COLOUR))
    return tuple(found)


def flags_described(row: CommentRow, holder: str | None = None) -> str:
    """Everything the chips stand for, in words: the Flags column's tooltip and spoken text."""
    parts = [flags_text(row)] if row.flags else []
    if row.escalated:
        parts.append("escalated to an editor")
    if holder is not None:
        parts.append(f"{one_line(holder, 40)} has it open at another desk")
    return " · ".join(parts)


def likely_text(row: CommentRow) -> str:
    """ "87%": how likely the ranker judged the comment to be hidden; blank if unscored."""
    return "" if row.score is None else f"{row.score:.0%}"


def excerpt(body: str) -> str:
    return one_line(body, EXCERPT_CHARS)


@dataclass(frozen=True, slots=True)
class _ColumnSpec:
    header: str
    text: Callable[[CommentRow], str]
    # The widest text the column must show whole (its width follows the font), or a width in
    # pixels; 0: the column stretches to take the room that is left.
    fits: str | int
    align: Qt.AlignmentFlag = _LEFT


class Column(Enum):
    """The queue's columns in display order; adding one is one line here."""

    # The comment's id: the number the command line, the log and every message use.
    NUMBER = _ColumnSpec("#", lambda row: str(row.id), "0000000", _RIGHT)
    AUTHOR = _ColumnSpec("Author", lambda row: one_line(row.author, EXCERPT_CHARS), 120)
    # The comment's own text takes the spare width, next to who wrote it.
    EXCERPT = _ColumnSpec("Comment", lambda row: excerpt(row.body), 0)
    FLAGS = _ColumnSpec("Flags", flags_text, 130)
    LIKELY = _ColumnSpec("Likely", likely_text, "Likely 100%", _RIGHT)
    POSTED = _ColumnSpec("Posted", posted_text, "00 May 0000 00:00")
    ARTICLE = _ColumnSpec("Article", lambda row: one_line(row.article_title, EXCERPT_CHARS), 150)
    # Shown in the All tab only: every other tab holds one status.
    STATUS = _ColumnSpec("Status", status_text, "Approved, escalated")

    @property
    def header(self) -> str:
        return self.value.header

    def width(self, metrics: QFontMetrics) -> int:
        """The column's width in this font (0: it stretches)."""
        fits = self.value.fits
        if isinstance(fits, int):
            return fits
        # Room for the cell's margins and the header's sort of padding either side.
        return metrics.horizontalAdvance(fits) + 2 * metrics.averageCharWidth()


COLUMNS: tuple[Column, ...] = tuple(Column)


class CommentQueueModel(QAbstractTableModel):
    """One queue (an article's comments, perhaps of one status), with a row for every comment
    in it but only the rows near the view read from the database.

    ``data()`` never reads: a row not held shows as not read yet and is asked for, and the
    rows asked for are read on the next turn of the event loop (a page around each), so a
    jump to the last of a million rows reads one page from the end. ``comment(row)`` reads at
    once when it must. ``apply_change`` follows decisions in place, so the selection around
    them survives; ``reload`` reads the queue again from its first page.
    """

    def __init__(self, database: Database, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._database = database
        # None: no queue chosen yet (no article), so nothing to show or read.
        self._queue: QueueFilter | None = None
        self._held = HeldRows()
        self._total = 0
        self._wanted: set[int] = set()
        self._reader = QTimer(self)
        self._reader.setSingleShot(True)
        self._reader.setInterval(0)
        self._reader.timeout.connect(self._read_wanted)
        # The log entry the last full read saw: changes up to it are in the rows already.
        self._as_of = 0
        # Comments open at other desks (``services.claims``), by id: who has each. Their rows
        # are in italics, and their status names who has them.
        self._claims: dict[int, str] = {}
        self._claimed_font = QFont()
        self._claimed_font.setItalic(True)

    @property
    def queue(self) -> QueueFilter | None:
        return self._queue

    @property
    def total(self) -> int:
        """How many comments the queue holds (the row count; kept for callers' clarity)."""
        return self._total

    @property
    def reading(self) -> bool:
        """Whether rows the view asked for are still to be read (on the next turn)."""
        return bool(self._wanted) or self._reader.isActive()

    @property
    def held(self) -> HeldRows:
        """The rows read and held, for tests and the benchmark."""
        return self._held

    def set_queue(self, queue: QueueFilter | None) -> None:
        self._queue = queue
        self.reload()

    def on_imported(self, report: ImportReport) -> None:
        """Re-read when an import added comments this queue may show."""
        if self._queue is None:
            return
        article = self._queue.article_id
        if any(change.added and article in (None, change.article_id) for change in report.imported):
            self.reload()

    def reload(self) -> None:
        """Re-read the queue from the database: its size, and its first page."""
        total, rows = 0, []
        if self._queue is not None:
            with self._database.session() as session:
                # First, so that a change committed during the read is followed, not lost.
                self._as_of = log_head(session)
                total = count_queue(session, self._queue)
                rows = list_queue(session, self._queue, limit=PAGE_SIZE)
        self.beginResetModel()
        self._wanted.clear()
        self._held.clear()
        self._held.put(0, rows)
        self._total = max(total, len(rows))
        self.endResetModel()

    def comment(self, row: int) -> CommentRow | None:
        """The comment at ``row``, read now if it is not held; None past the end."""
        if not 0 <= row < self._total:
            return None
        comment = self._held.get(row)
        if comment is None:
            self._read_around(row)
            comment = self._held.get(row)
        return comment

    def comment_id(self, row: int) -> int | None:
        comment = self.comment(row)
        return None if comment is None else comment.id

    def _held_comments(self, comment_ids: Iterable[int]) -> dict[int, CommentRow]:
        """Those of the comments the model holds, by id (the rows as shown, none read)."""
        found = {}
        for comment_id in comment_ids:
            row = self._held.row_of(comment_id)
            comment = None if row is None else self._held.get(row)
            if comment is not None:
                found[comment_id] = comment
        return found

    def versions(self, comment_ids: list[int]) -> dict[int, int]:
        """The versions of those comments the model holds, as it shows them: what a decision
        on them was based on."""
        return {i: comment.version for i, comment in self._held_comments(comment_ids).items()}

    def place_of(self, comment_id: int) -> int | None:
        """The row the comment has in the queue as it stands in the database, whether or not
        it is held (read now); None if it is not in the queue."""
        if self._queue is None:
            return None
        with self._database.session() as session:
            comment = get_comment(session, comment_id)
            row = None if comment is None else count_before(session, self._queue, comment)
        if row is None or row >= self._total or self.comment_id(row) != comment_id:
            return None
        return row

    def authors(self, comment_ids: Iterable[int]) -> dict[int, str]:
        """Who wrote those comments the model holds, by id: for messages that name them."""
        return {i: comment.author for i, comment in self._held_comments(comment_ids).items()}

    def row_of(self, comment_id: int) -> int | None:
        """The row of a comment the model holds (None if it does not hold it)."""
        return self._held.row_of(comment_id)

    def _want(self, row: int) -> None:
        self._wanted.add(row)
        if not self._reader.isActive():
            self._reader.start()

    def _read_wanted(self) -> None:
        wanted, self._wanted = sorted(self._wanted), set()
        for row in wanted:
            if row < self._total and self._held.get(row) is None:
                self._read_around(row)

    def _read_around(self, row: int) -> None:
        """Read the page around ``row`` from its nearer held neighbour (or end of the queue)."""
        if self._queue is None:
            return
        gap = self._held.gap(row, self._total, PAGE_SIZE)
        count = gap.end - gap.first
        with self._database.session() as session:
            if gap.rows_after_before <= gap.rows_before_after:
                rows = list_queue(
                    session,
                    self._queue,
                    limit=count,
                    offset=gap.rows_after_before,
                    after=gap.before,
                )
            else:
                rows = list_queue(
                    session,
                    self._queue,
                    limit=count,
                    offset=gap.rows_before_after,
                    before=gap.after,
                    from_end=gap.after is None,
                )
        if len(rows) != count:
            # The queue changed behind this model's back (another desk): start again.
            QTimer.singleShot(0, self, self.reload)
            return
        self._held.put(gap.first, rows)
        self._held.keep_near(row, REACH)
        self._repaint(gap.first, gap.end - 1)

    def refresh_scores(self) -> None:
        """Read the held rows' scores again (the ranker placed the pending comments anew, or
        took their scores away): the rows stay where they are, only the Likely cells change."""
        if self._queue is None:
            return
        spans = self._held.runs
        ids = [
            held.id
            for first, end in spans
            for n in range(first, end)
            if (held := self._held.get(n))
        ]
        with self._database.session() as session:
            ranks = hide_ranks(session, ids)
        column = COLUMNS.index(Column.LIKELY)
        for first, end in spans:
            for n in range(first, end):
                held = self._held.get(n)
                rank = None if held is None else ranks.get(held.id)
                if held is not None and rank is not None and rank != held.hide_rank:
                    self._held.replace(n, dataclasses.replace(held, hide_rank=rank))
            if end > first:
                self.dataChanged.emit(self.index(first, column), self.index(end - 1, column))

    def _repaint(self, first: int, last: int) -> None:
        self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))

    def apply_change(self, change: ModerationChange) -> None:
        """Follow a decision: repaint rows that stay, remove rows that left, place rows that
        joined (or read the queue again when too many rows not held moved)."""
        queue = self._queue
        if queue is None:
            return
        moving: list[CommentChange] = []
        for step in change.comments:
            if step.entry_seq <= self._as_of:
                continue  # read with the queue already (another desk's, seen in a reload)
            belongs_now = self._belongs(step, step.to_status)
            row = self._held.row_of(step.comment_id)
            comment = None if row is None else self._held.get(row)
            if comment is not None and comment.version >= step.entry_seq:
                continue  # followed already
            if row is not None and belongs_now:
                assert comment is not None
                decided = dataclasses.replace(
                    comment,
                    status=step.to_status,
                    escalated=step.escalated,
                    version=step.entry_seq,
                )
                self._held.replace(row, decided)
                self._repaint(row, row)
            elif belongs_now != self._belongs(step, step.from_status):
                moving.append(step)
        if not moving:
            return
        if sum(self._held.row_of(step.comment_id) is None for step in moving) > PLACE_AT_MOST:
            self.reload()
            return
        self._move(queue, moving)

    def _move(self, queue: QueueFilter, moving: list[CommentChange]) -> None:
        """Take out the comments that left the queue, then put in those that joined, each at
        its place in the queue's order (counted in the database for rows not held)."""
        ids = [step.comment_id for step in moving]
        with self._database.session() as session:
            # Only those the queue's other conditions (a search, say) let in move at all.
            comments = list_queue_by_ids(session, in_queue(session, queue, ids))
            places = {
                comment.id: count_before(session, queue, comment)
                for comment in comments
                if self._held.row_of(comment.id) is None
            }
        joins = {step.comment_id: step for step in moving if self._belongs(step, step.to_status)}
        comments.sort(key=queue.sort_key)
        # In queue order, so that each place counted (without every leaving row) is the
        # row's place once the leaving rows before it are out.
        for comment in comments:
            if comment.id not in joins:
                row = self._held.row_of(comment.id)
                self._remove(places[comment.id] if row is None else row)
        for comment in comments:
            step = joins.get(comment.id)
            if step is not None:
                # As the step left it, not as it is now: a later step (another desk's, not
                # followed yet) may have moved it on, and must still be followed then.
                joined = dataclasses.replace(
                    comment,
                    status=step.to_status,
                    escalated=step.escalated,
                    version=step.entry_seq,
                )
                self._insert(places[comment.id], joined)

    def _belongs(self, step: CommentChange, status: Status) -> bool:
        queue = self._queue
        return queue is not None and queue.may_hold(step.article_id, status, step.flagged)

    def _remove(self, row: int) -> None:
        self.beginRemoveRows(QModelIndex(), row, row)
        self._held.remove(row)
        self._total -= 1
        self.endRemoveRows()

    def _insert(self, row: int, comment: CommentRow) -> None:
        row = min(row, self._total)
        self.beginInsertRows(QModelIndex(), row, row)
        self._held.insert(row, comment)
        self._total += 1
        self.endInsertRows()

    def set_claims(self, claims: Mapping[int, str]) -> None:
        """Who has which comments open at other desks; their rows say so."""
        changed = set(claims.items()) ^ set(self._claims.items())
        self._claims = dict(claims)
        for comment_id in {comment_id for comment_id, _ in changed}:
            row = self._held.row_of(comment_id)
            if row is not None:
                self._repaint(row, row)

    def claimed_by(self, comment_id: int) -> str | None:
        """Who has the comment open at another desk, if anyone."""
        return self._claims.get(comment_id)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's default
        return 0 if parent.isValid() else self._total

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's default
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < self._total:
            return None
        column = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return column.value.align
        if role == Qt.ItemDataRole.FontRole:
            return self._font(index.row())
        if role not in _TEXT_ROLES:
            return None
        comment = self._held.get(index.row())
        if comment is None:
            self._want(index.row())
            shown = column is Column.EXCERPT and role == Qt.ItemDataRole.DisplayRole
            return NOT_READ_YET if shown else None
        return self._cell(column, comment, role)

    def _cell(self, column: Column, comment: CommentRow, role: int) -> Any:
        holder = self._claims.get(comment.id)
        if column is Column.FLAGS:
            if role == ChipsRole:
                return chips(comment, holder)
            described = flags_described(comment, holder)
            return plain_tooltip(described) if role == Qt.ItemDataRole.ToolTipRole else described
        text = column.value.text(comment)
        if role == Qt.ItemDataRole.ToolTipRole:
            # Only where the cell may be cut short; escaped, as comment text is untrusted.
            elided = column in (Column.EXCERPT, Column.AUTHOR, Column.ARTICLE)
            return plain_tooltip(text[:EXCERPT_CHARS]) if elided else None
        return None if role == ChipsRole else text

    def _font(self, row: int) -> QFont | None:
        held = self._held.get(row)
        return self._claimed_font if held is not None and held.id in self._claims else None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section].header
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return COLUMNS[section].value.align
        return None
