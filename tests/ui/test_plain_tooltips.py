"""Tooltips show untrusted text (rule ids, what a rule said, article titles, notes) as typed:
Qt guesses rich text in a tooltip, so markup in them must not be drawn as markup."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as GuiQt
from PySide6.QtGui import QTextCursor, QTextDocument
from PySide6.QtWidgets import QTextBrowser
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from moderator.domain import Severity, Status
from moderator.insights.queue import WaitStats
from moderator.queries.review import TroubledThread
from moderator.queries.snapshots import CommentRow, FlagRow
from moderator.services import moderation
from moderator.store.database import Database
from tests.ui.conftest import HOSTILE, AddArticle
from ui.comments.documents import show_comment
from ui.common.messages import plain_tooltip
from ui.insights.models import WAIT_COLUMNS, RowsModel
from ui.log.model import COLUMNS as LOG_COLUMNS
from ui.log.model import LogColumn, LogModel
from ui.review.models import ThreadsColumn, ThreadsModel

T0 = datetime(2025, 1, 14, 8, 0, tzinfo=UTC)


def as_shown(tooltip: str) -> str:
    """What a tooltip reads as on the screen: QToolTip takes it as rich text when it looks so."""
    document = QTextDocument()
    if GuiQt.mightBeRichText(tooltip):
        document.setHtml(tooltip)
    else:
        document.setPlainText(tooltip)
    return document.toPlainText()


def test_a_marked_words_tooltip_shows_the_rule_and_what_it_said_as_typed(qtbot: QtBot) -> None:
    view = QTextBrowser()
    qtbot.addWidget(view)
    body = "you idiot"
    flag = FlagRow(f"rule{HOSTILE}", Severity.HIGH, f"said {HOSTILE}", ((4, 9),))
    show_comment(view, CommentRow(1, 1, "T", 1, "ann", T0, body, Status.PENDING, False, (flag,)))
    cursor = QTextCursor(view.document())
    cursor.setPosition(view.toPlainText().rindex("you idiot") + 6)
    tooltip = cursor.charFormat().toolTip()
    assert as_shown(tooltip) == f"rule{HOSTILE}: said {HOSTILE}"


def test_a_review_threads_tooltip_shows_the_title_as_typed(qtmodeltester: ModelTester) -> None:
    model = ThreadsModel()
    model.set_rows([TroubledThread(1, f"Title {HOSTILE}", 1, 1, 1, 0, T0)])
    column = list(ThreadsColumn).index(ThreadsColumn.ARTICLE)
    tooltip = model.data(model.index(0, column), Qt.ItemDataRole.ToolTipRole)
    assert as_shown(tooltip) == f"Title {HOSTILE}"
    qtmodeltester.check(model)


def test_an_insights_tooltip_shows_the_title_as_typed(qtmodeltester: ModelTester) -> None:
    model: RowsModel[WaitStats] = RowsModel(WAIT_COLUMNS)
    row = WaitStats(1, f"Title {HOSTILE}", 3, timedelta(minutes=5), timedelta(minutes=9))
    model.set_rows([row])
    tooltip = model.data(model.index(0, 0), Qt.ItemDataRole.ToolTipRole)
    assert as_shown(tooltip) == f"Title {HOSTILE}"
    qtmodeltester.check(model)


def test_a_log_notes_tooltip_shows_the_note_as_typed(
    database: Database, add_article: AddArticle, qtmodeltester: ModelTester
) -> None:
    add_article(["one"])
    with database.transaction() as session:
        actor = moderation.ensure_profile(session, "ann")
        moderation.hide(session, [1], actor=actor, reason="other", note=f"note {HOSTILE}")
    model = LogModel(database)
    model.reload()
    note = model.index(0, LOG_COLUMNS.index(LogColumn.NOTE))
    model.data(note)
    assert as_shown(model.data(note, Qt.ItemDataRole.ToolTipRole)) == f"note {HOSTILE}"
    qtmodeltester.check(model)


def test_a_plain_tooltip_keeps_its_lines_and_shows_markup_as_typed() -> None:
    assert plain_tooltip("a <b>\nline & more") == "<qt>a &lt;b&gt;<br>line &amp; more</qt>"
    assert plain_tooltip("") == ""
