"""The comment detail: hits marked at their characters, hidden characters named, long text cut."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from PySide6.QtWidgets import QTextBrowser
from pytestqt.qtbot import QtBot

from moderator.domain import Severity, Status
from moderator.queries.snapshots import AuthorSummary, CommentRow, FlagRow
from ui.comments.documents import SHOWN_CHARACTERS, search_spans, show_comment
from ui.common.severity import MARK_COLOURS

T0 = datetime(2025, 1, 14, 8, 0, tzinfo=UTC)


def row(body: str, *flags: FlagRow, author: str = "ann") -> CommentRow:
    return CommentRow(1, 1, "T", 1, author, T0, body, Status.PENDING, False, flags)


@pytest.fixture
def view(qtbot: QtBot) -> QTextBrowser:
    browser = QTextBrowser()
    qtbot.addWidget(browser)
    return browser


def marked(view: QTextBrowser) -> dict[str, str]:
    """The text of each run of characters with a background, by the colour's name."""
    runs: dict[str, str] = {}
    document = view.document()
    block = document.begin()
    while block.isValid():
        iterator = block.begin()
        while not iterator.atEnd():
            fragment = iterator.fragment()
            brush = fragment.charFormat().background()
            if brush.style() != brush.style().NoBrush:
                name = brush.color().name(brush.color().NameFormat.HexArgb)
                runs[name] = runs.get(name, "") + fragment.text()
            iterator += 1
        block = block.next()
    return runs


def colour(severity: Severity) -> str:
    return MARK_COLOURS[severity].name(MARK_COLOURS[severity].NameFormat.HexArgb)


def test_hits_are_marked_at_their_characters_past_emoji_and_hidden_ones(
    view: QTextBrowser,
) -> None:
    # Offsets count code points, as Python does; Qt counts UTF-16 units and the detail shows
    # a marker for the zero-width space: both must still land on the right characters.
    body = "\U0001f600 you id\u200biot, \U0001f4a9 what a moron"
    start = body.index("id\u200biot")
    flags = (
        FlagRow("insults", Severity.HIGH, "'id\\u200biot' reads as 'idiot'", ((start, start + 6),)),
        FlagRow("mild", Severity.LOW, "'moron'", ((body.index("moron"), len(body)),)),
    )
    show_comment(view, row(body, *flags))
    assert marked(view) == {
        colour(Severity.HIGH): "id\u27e8U+200B\u27e9iot",
        colour(Severity.LOW): "moron",
    }
    text = view.toPlainText()
    assert "\u200b" not in text
    # The gravest first in the list of explanations.
    assert text.index("high · insults") < text.index("low · mild")


def test_the_author_line_and_hostile_names(view: QTextBrowser) -> None:
    summary = AuthorSummary("x\u202eevil", comments=12, pending=3, approved=2, hidden=7, flagged=4)
    show_comment(view, row("Hello", author="x\u202eevil"), summary)
    lines = view.toPlainText().splitlines()
    assert lines[0] == "x\u27e8U+202E\u27e9evil"
    assert lines[2] == (
        "12 comments by this author · 3 pending · 2 approved · 7 hidden · 4 flagged"
    )


def test_a_megabyte_comment_shows_its_beginning(view: QTextBrowser) -> None:
    body = "word " * 210_000
    end = len(body) - 1
    flags = (
        FlagRow("early", Severity.MEDIUM, "first", ((0, 4),)),
        FlagRow("late", Severity.HIGH, "past the cut", ((end - 4, end),)),
    )
    show_comment(view, row(body, *flags))
    text = view.toPlainText()
    assert len(text) < SHOWN_CHARACTERS + 1_000
    assert f"Showing the first {SHOWN_CHARACTERS:,} of {len(body):,} characters." in text
    assert marked(view) == {colour(Severity.MEDIUM): "word"}
    # Both explanations are listed, the one past the cut too.
    assert "high · late: past the cut" in text
    # The pane opens at the top, not at the end of what was written.
    assert view.textCursor().position() == 0


def test_the_rules_reasons_come_before_a_long_text_each_with_its_words(
    view: QTextBrowser,
) -> None:
    body = "You idiot. " + "More words here. " * 400 + "What a moron, idiot."
    flags = (
        FlagRow(
            "insults",
            Severity.HIGH,
            "listed insult",
            (
                (4, 9),
                (len(body) - 6, len(body) - 1),
                (body.index("moron"), body.index("moron") + 5),
            ),
        ),
    )
    show_comment(view, row(body, *flags))
    text = view.toPlainText()
    reason = text.index("high · insults: listed insult — marked: “idiot”, “moron”")
    assert reason < text.index("You idiot.")


def test_the_searched_words_are_lit_in_any_case(view: QTextBrowser) -> None:
    show_comment(view, row("The Ferry fares; ferry riders pay."), search="ferry PAY")
    lit = []
    block = view.document().begin()
    while block.isValid():
        iterator = block.begin()
        while not iterator.atEnd():
            fragment = iterator.fragment()
            if fragment.charFormat().fontUnderline():
                lit.append(fragment.text())
            iterator += 1
        block = block.next()
    assert lit == ["Ferry", "ferry", "pay"]
    assert search_spans("aaaa", "aa") == [(0, 2), (2, 4)]
