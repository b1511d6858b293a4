"""The queue's header: tab titles with counts a reader can take in at a glance."""

from __future__ import annotations

from datetime import UTC, datetime

from pytestqt.qtbot import QtBot

from moderator.queries.snapshots import ArticleRow
from ui.desk.article_model import counts_text
from ui.desk.queue_header import QueueHeader


def test_large_counts_are_grouped_in_thousands(qtbot: QtBot) -> None:
    header = QueueHeader()
    qtbot.addWidget(header)
    big = ArticleRow(
        1,
        "T",
        "s",
        datetime(2025, 1, 1, tzinfo=UTC),
        1_000_000,
        300_013,
        549_764,
        150_223,
        9_001,
        8_803,
    )
    header.show_counts(big)
    titles = [header.tabs.tabText(index) for index in range(header.tabs.count())]
    assert titles == [
        "Pending (300,013)",
        "Flagged (8,803)",
        "Approved (549,764)",
        "Hidden (150,223)",
        "All (1,000,000)",
    ]
    assert counts_text(big) == (
        "300,013 pending · 8,803 flagged · 150,223 hidden · 1,000,000 comments"
    )
    header.show_counts(None)
    assert header.tabs.tabText(4) == "All"
