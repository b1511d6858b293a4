"""How many rows a selection spans, counted from its ranges."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QItemSelectionRange, QStringListModel

from ui.comments.queue_view import rows_spanned


def test_overlapping_and_separate_ranges_count_each_row_once() -> None:
    model = QStringListModel([str(n) for n in range(100)])
    selection = QItemSelection()
    assert rows_spanned(selection) == 0
    for first, last in ((10, 19), (15, 24), (50, 50), (0, 2), (12, 13)):
        selection.append(QItemSelectionRange(model.index(first), model.index(last)))
    # 0-2, 10-24 and 50.
    assert rows_spanned(selection) == 3 + 15 + 1
