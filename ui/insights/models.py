"""Tables of the insights window: one read-only model over a list of row snapshots (the
core's frozen dataclasses), its columns described by :class:`Column`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from moderator.insights.period import PERSON_ACTIONS
from moderator.insights.queue import WaitStats, span_text
from moderator.insights.stats import ArticleStats, ModeratorStats, RuleStats
from ui.common.messages import plain_tooltip

Row = TypeVar("Row")
Index = QModelIndex | QPersistentModelIndex
SORT_ROLE = Qt.ItemDataRole.UserRole + 1


def number(value: Any) -> str:
    """Counts with thousands separators; anything else as it is."""
    return f"{value:,}" if isinstance(value, int) else str(value)


@dataclass(frozen=True, slots=True)
class Column(Generic[Row]):
    """A column: its header, its value for a row (what it sorts by) and how it reads."""

    header: str
    value: Callable[[Row], Any]
    text: Callable[[Any], str] = number
    numeric: bool = True
    tip: str = ""


def percent(share: float | None) -> str:
    return "\N{EN DASH}" if share is None else f"{share:.0%}"


class RowsModel(QAbstractTableModel, Generic[Row]):
    """Rows as given, read-only; ``row_at`` gives a row's snapshot back."""

    def __init__(self, columns: Sequence[Column[Row]], parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self._rows: list[Row] = []

    def set_rows(self, rows: Sequence[Row], columns: Sequence[Column[Row]] | None = None) -> None:
        """New rows (and columns, if given)."""
        self.beginResetModel()
        self._rows = list(rows)
        if columns is not None:
            self.columns = list(columns)
        self.endResetModel()

    def row_at(self, row: int) -> Row:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(column.value(self._rows[index.row()]))
        if role == SORT_ROLE:
            value = column.value(self._rows[index.row()])
            return -1.0 if value is None else value
        if role == Qt.ItemDataRole.TextAlignmentRole:
            side = Qt.AlignmentFlag.AlignRight if column.numeric else Qt.AlignmentFlag.AlignLeft
            return int(side | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and not column.numeric:
            return plain_tooltip(column.text(column.value(self._rows[index.row()])))
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].header
        if role == Qt.ItemDataRole.ToolTipRole and self.columns[section].tip:
            return self.columns[section].tip
        return None


WAIT_COLUMNS: list[Column[WaitStats]] = [
    Column("Article", lambda w: w.title, numeric=False),
    Column("Decided", lambda w: w.decided, tip="Comments a person decided"),
    Column(
        "Median wait",
        lambda w: w.median.total_seconds(),
        span_text,
        tip="Half of the comments were decided within this time of their import",
    ),
    Column(
        "90% within",
        lambda w: w.p90.total_seconds(),
        span_text,
        tip="Nine in ten comments were decided within this time of their import",
    ),
]

RULE_COLUMNS: list[Column[RuleStats]] = [
    Column("Rule", lambda r: r.rule_id, numeric=False),
    Column("Flagged", lambda r: r.hits, tip="Comments the rule flagged"),
    Column(
        "Hidden by people",
        lambda r: r.hidden_by_people,
        tip="Flagged comments a person's latest decision hid",
    ),
    Column(
        "Published by people",
        lambda r: r.approved_by_people,
        tip="Flagged comments a person's latest decision published",
    ),
    Column(
        "Hidden by rules",
        lambda r: r.hidden_by_rules,
        tip="Flagged comments a rule's action hid that no person has decided since",
    ),
    Column("Pending", lambda r: r.pending),
    Column(
        "Precision",
        lambda r: r.precision,
        percent,
        tip="Of the flagged comments people decided, the share they hid (the rules' own"
        " hides do not count; \N{EN DASH} until people decide one)",
    ),
    Column(
        "Hides overturned",
        lambda r: r.overturned_hides,
        tip="Comments the rules hid that people published",
    ),
]


def moderator_columns(actions: Sequence[str]) -> list[Column[ModeratorStats]]:
    """The moderators' columns: a share for each of ``actions`` (the ones anybody took)."""
    columns: list[Column[ModeratorStats]] = [
        Column("Moderator", lambda m: m.actor, numeric=False),
        Column("Decisions", lambda m: m.decisions),
    ]
    for action in [a for a in PERSON_ACTIONS if a in actions]:
        columns.append(
            Column(action.capitalize(), _share_of(action), percent, tip=f"Share of {action}s")
        )
    columns.append(
        Column(
            "Overturned",
            lambda m: m.overturned,
            tip="Approvals and hides an editor later turned the other way",
        )
    )
    return columns


def _share_of(action: str) -> Callable[[ModeratorStats], float]:
    return lambda m: m.share(action)


ARTICLE_COLUMNS: list[Column[ArticleStats]] = [
    Column("Article", lambda a: a.title, numeric=False),
    Column("Comments", lambda a: a.comments),
    Column("Flagged", lambda a: a.flagged, tip="Comments a rule flagged"),
    Column("Hidden", lambda a: a.hidden),
    Column("Pending", lambda a: a.pending),
    Column("Hidden share", lambda a: a.hidden_share, percent),
]
