"""Charts for the insights window, drawn with pyqtgraph: bars stacked over time, lines over
time, bars across named things. Each follows the window's palette (light or dark), labels
its axes with their units, and saves itself as a PNG."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

# Colours told apart with any colour vision (Okabe and Ito's set, with a darker yellow that
# reads on white and on black), one per action; other series take the rest in turn.
ACTION_COLOURS = {
    "approve": "#009E73",
    "hide": "#D55E00",
    "restore": "#0072B2",
    "escalate": "#E69F00",
    "undo": "#CC79A7",
    "revert": "#9E6EBD",
    "uphold": "#56B4E9",
    "overturn": "#B8A000",
    "return": "#8C8C8C",
    # What people (or the rules themselves) did with the comments a rule flagged.
    "published by people": "#009E73",
    "hidden by people": "#D55E00",
    "hidden by rules": "#CC79A7",
    "pending": "#8C8C8C",
    # An article's share of hidden comments.
    "hidden": "#D55E00",
}
SERIES_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9")
# Long names on an axis are cut to this many characters (the table beside has them whole).
LABEL_LIMIT = 38


class CountAxis(pg.AxisItem):  # type: ignore[misc]  # pyqtgraph ships no type hints
    """A value axis that, while ``whole`` (every value drawn on it is a whole number: a
    count), ticks at whole numbers only: 3 comments, never 2.5."""

    def __init__(self, orientation: str) -> None:
        super().__init__(orientation)
        self.whole = False

    def tickSpacing(self, low: float, high: float, size: float) -> list[tuple[float, float]]:
        levels: list[tuple[float, float]] = super().tickSpacing(low, high, size)
        if not self.whole:
            return levels
        # pyqtgraph's steps are 1, 2 or 5 times a power of ten: those of 1 or more are whole.
        kept = [(float(round(step)), offset) for step, offset in levels if step >= 1 - 1e-9]
        return kept or [(1.0, 0.0)]


def whole(values: Iterable[float | None]) -> bool:
    return all(value is None or float(value).is_integer() for value in values)


def colour_for(name: str, index: int) -> str:
    return ACTION_COLOURS.get(name, SERIES_COLOURS[index % len(SERIES_COLOURS)])


def short(label: str) -> str:
    label = " ".join(label.split())
    return label if len(label) <= LABEL_LIMIT else label[: LABEL_LIMIT - 1] + "…"


class Chart(QWidget):
    """One titled plot. ``drawn`` holds the series last drawn (name -> values), in the
    order drawn: what the chart shows, for its export and its tests."""

    def __init__(
        self, name: str, title: str, parent: QWidget | None = None, *, over_time: bool
    ) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.title = QLabel(title, self)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setObjectName(f"{name}Title")
        # A long title wraps rather than holding the window wider than the screen.
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        # The value axis: up the side of a chart over time, along the bottom of bars across.
        self.value_axis = CountAxis("left" if over_time else "bottom")
        axes: dict[str, pg.AxisItem] = (
            {"bottom": pg.DateAxisItem(orientation="bottom", utcOffset=0), "left": self.value_axis}
            if over_time
            else {"bottom": self.value_axis}
        )
        self.plot_widget = pg.PlotWidget(self, axisItems=axes)
        self.plot_widget.setAccessibleName(title)
        self.plot = self.plot_widget.getPlotItem()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.showGrid(x=False, y=True, alpha=0.25)
        self.plot.setMouseEnabled(x=over_time, y=False)
        self.empty = QLabel("Nothing to show yet.", self)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setObjectName(f"{name}Empty")
        # The key sits above the plot, not on it, where it would hide bars.
        self.key = QWidget(self)
        self.key.setObjectName(f"{name}Key")
        self._key_layout = QHBoxLayout(self.key)
        self._key_layout.setContentsMargins(0, 0, 0, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addWidget(self.key)
        layout.addWidget(self.plot_widget, 1)
        layout.addWidget(self.empty, 1)
        self.empty.hide()
        self.drawn: dict[str, list[float]] = {}
        self.labels: list[str] = []
        self.follow_palette()

    # --- looks ---------------------------------------------------------------------------

    def follow_palette(self) -> None:
        """Background, axes and text in the palette's colours: readable light or dark."""
        palette = self.palette()
        base = palette.color(QPalette.ColorRole.Base)
        text = palette.color(QPalette.ColorRole.Text)
        self.plot_widget.setBackground(base)
        for side in ("left", "bottom"):
            axis = self.plot.getAxis(side)
            axis.setPen(pg.mkPen(text))
            axis.setTextPen(pg.mkPen(text))

    def set_axes(self, left: str, bottom: str) -> None:
        self.plot.setLabel("left", left)
        self.plot.setLabel("bottom", bottom)

    # --- drawing ---------------------------------------------------------------------------

    def clear(self) -> None:
        self.plot.clear()
        while (item := self._key_layout.takeAt(0)) is not None:
            if (widget := item.widget()) is not None:
                widget.deleteLater()
        self.key.hide()
        self.drawn = {}
        self.labels = []

    def show_empty(self, empty: bool) -> None:
        self.plot_widget.setVisible(not empty)
        self.empty.setVisible(empty)

    def stacked_over_time(
        self,
        starts: Sequence[datetime],
        series: Mapping[str, Sequence[float]],
        width: float,
        *,
        span: tuple[datetime, datetime] | None = None,
    ) -> None:
        """Bars at each start (``width`` seconds wide), one stack per start, a layer per
        series (in the order given), with a legend; across ``span`` if given (a period's
        quiet days stay in view), else across the bars."""
        self.clear()
        self.show_empty(not starts)
        if not starts:
            return
        xs = [start.timestamp() + width / 2 for start in starts]
        base = [0.0] * len(xs)
        self._show_key(list(series))
        for index, (name, values) in enumerate(series.items()):
            colour = colour_for(name, index)
            bars = pg.BarGraphItem(
                x=xs,
                height=list(values),
                width=width * 0.85,
                y0=list(base),
                brush=pg.mkBrush(colour),
                pen=pg.mkPen(None),
                name=name,
            )
            self.plot.addItem(bars)
            base = [b + v for b, v in zip(base, values, strict=True)]
            self.drawn[name] = [float(v) for v in values]
        self._set_time_range(span, xs[0] - width, xs[-1] + width, padding=0.02)
        self.value_axis.whole = whole(base)
        self.plot.setYRange(0, max(*base, 1) * 1.08, padding=0)
        self.follow_palette()

    def lines_over_time(
        self,
        moments: Sequence[datetime],
        series: Mapping[str, Sequence[float | None]],
        *,
        span: tuple[datetime, datetime] | None = None,
    ) -> None:
        """A line per series through the moments (a gap where a value is None); across
        ``span`` if given, else across the moments."""
        self.clear()
        self.show_empty(not moments)
        if not moments:
            return
        xs = [moment.timestamp() for moment in moments]
        self._show_key(list(series))
        top = 1.0
        for index, (name, values) in enumerate(series.items()):
            ys = [float("nan") if v is None else float(v) for v in values]
            self.drawn[name] = ys
            if all(v is None for v in values):
                # Nothing to draw (no comment pending all along): pyqtgraph would warn while
                # measuring a line of gaps only.
                continue
            self.plot.plot(
                xs,
                ys,
                pen=pg.mkPen(colour_for(name, index), width=2),
                name=name,
                connect="finite",
                symbol="o" if len(xs) < 40 else None,
                symbolSize=5,
                symbolBrush=colour_for(name, index),
                symbolPen=None,
            )
            top = max([top] + [v for v in values if v is not None])
        self._set_time_range(span, xs[0], xs[-1] if len(xs) > 1 else xs[0] + 3600, padding=0.03)
        self.value_axis.whole = all(whole(values) for values in series.values())
        self.plot.setYRange(0, top * 1.08, padding=0)
        self.follow_palette()

    def bars_across(
        self, labels: Sequence[str], series: Mapping[str, Sequence[float]], *, stacked: bool
    ) -> None:
        """Horizontal bars, one row per label (the first on top); the series stacked along
        a row or side by side in it."""
        self.clear()
        self.show_empty(not labels)
        if not labels:
            return
        self.labels = list(labels)
        rows = list(range(len(labels)))
        height = 0.7 if stacked else 0.7 / max(len(series), 1)
        base = [0.0] * len(rows)
        self._show_key(list(series))
        right = 0.0
        for index, (name, values) in enumerate(series.items()):
            colour = colour_for(name, index)
            ys = rows if stacked else [row - 0.35 + height * (index + 0.5) for row in rows]
            bars = pg.BarGraphItem(
                x0=list(base) if stacked else 0,
                y=ys,
                height=height,
                width=list(values),
                brush=pg.mkBrush(colour),
                pen=pg.mkPen(None),
                name=name,
            )
            self.plot.addItem(bars)
            if stacked:
                base = [b + v for b, v in zip(base, values, strict=True)]
                right = max(right, *base)
            else:
                right = max(right, *values)
            self.drawn[name] = [float(v) for v in values]
        self.plot.getAxis("left").setTicks(
            [[(row, short(label)) for row, label in zip(rows, labels, strict=True)]]
        )
        self.value_axis.whole = (
            whole(base) if stacked else all(whole(values) for values in series.values())
        )
        self.plot.invertY(True)
        self.plot.setYRange(-0.6, len(rows) - 0.4, padding=0)
        self.plot.setXRange(0, max(right, 1e-9) * 1.05, padding=0)
        self.follow_palette()

    def _set_time_range(
        self, span: tuple[datetime, datetime] | None, first: float, last: float, *, padding: float
    ) -> None:
        if span is not None:
            # Every step of the period is drawn within it (bars inside their step, values at
            # its end).
            first, last = span[0].timestamp(), span[1].timestamp()
        self.plot.setXRange(first, last, padding=padding)

    def _show_key(self, names: list[str]) -> None:
        """A swatch and a name per series, when there is more than one."""
        if len(names) < 2:
            return
        for index, name in enumerate(names):
            swatch = QLabel(self.key)
            swatch.setFixedSize(12, 12)
            swatch.setStyleSheet(f"background-color: {colour_for(name, index)};")
            label = QLabel(name, self.key)
            label.setTextFormat(Qt.TextFormat.PlainText)
            self._key_layout.addWidget(swatch)
            self._key_layout.addWidget(label)
            self._key_layout.addSpacing(10)
        self._key_layout.addStretch(1)
        self.key.show()

    # --- export ----------------------------------------------------------------------------

    def save_png(self, path: Path) -> bool:
        """The chart as the window shows it (title included), as a PNG."""
        return self.grab().save(str(path), "PNG")
