"""The moderation log window from the desk: reading, filtering, going to a comment, reverting,
exporting, and the chain's check in the status bars."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from moderator.domain import Status
from moderator.formats.log_export import LogFormat
from moderator.formats.log_file import verify_export
from moderator.formats.modlog import LogEntry, evidence_text
from moderator.log.queries import LogFilter
from moderator.store.database import Database
from tests.ui.conftest import WORK_TIMEOUT_MS, Answers, press, status_of
from ui.desk.main_window import MainWindow
from ui.log.export_flow import ExportRequest, LogExportDialog
from ui.log.model import COLUMNS, LogColumn
from ui.log.window import LogWindow, describe


def open_log(window: MainWindow, qtbot: QtBot) -> LogWindow:
    press(qtbot, window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    log = window.log.log_window
    assert log is not None
    # Its keys work once it is the active window, as it is when it opens on a desktop.
    qtbot.waitUntil(log.isActiveWindow, timeout=WORK_TIMEOUT_MS)
    return log


def column_texts(log: LogWindow, column: LogColumn) -> list[str]:
    model = log.model
    col = COLUMNS.index(column)
    return [model.data(model.index(row, col)) for row in range(model.rowCount())]


def test_ctrl_l_shows_the_log_newest_first_with_the_entry_in_full(
    demo_window: MainWindow, qtbot: QtBot, qtmodeltester: ModelTester
) -> None:
    window = demo_window
    press(qtbot, window, "a")
    log = open_log(window, qtbot)
    actions = column_texts(log, LogColumn.ACTION)
    assert actions[0] == "approve"
    assert actions[-2:] == ["import", "profile"]
    assert "rule-set" in actions
    assert actions.count("flag") == 4
    assert log.count_label.text() == f"{len(actions)} entries"
    # The newest entry is selected and shown in full, as plain text.
    detail = log.detail.toPlainText()
    assert detail.startswith(f"Entry #{len(actions)}: approve")
    assert "Who:      tester (moderator)" in detail
    assert "Text SHA-256: " in detail
    assert "Rule hits:    none" in detail
    qtmodeltester.check(log.model)


def test_the_log_window_closes_with_the_desk_and_keeps_its_layout(
    demo_window: MainWindow, qtbot: QtBot
) -> None:
    log = open_log(demo_window, qtbot)
    log.resize(780, 450)
    kept = (log.width(), log.height())
    assert kept[1] == 450
    demo_window.close()
    assert not log.isVisible()
    again = LogWindow(demo_window.desk, demo_window.log.status, export=demo_window.log.export_flow)
    qtbot.addWidget(again)
    assert (again.width(), again.height()) == kept


def test_filters_narrow_the_entries(demo_window: MainWindow, qtbot: QtBot) -> None:
    log = open_log(demo_window, qtbot)
    everything = log.model.rowCount()
    flags = log.filters.actionBox.findData("flag")
    assert flags > 0
    log.filters.actionBox.setCurrentIndex(flags)
    assert column_texts(log, LogColumn.ACTION) == ["flag"] * 4
    assert log.count_label.text() == "4 entries (filtered)"
    log.filters.actorBox.setCurrentIndex(log.filters.actorBox.findData("tester"))
    assert log.model.rowCount() == 0
    assert log.detail.toPlainText() == ""
    assert not log.actions_by_name["actionGoToComment"].isEnabled()
    log.filters.clear()
    assert log.model.rowCount() == everything
    qtbot.keyClicks(log.filters.searchBox, "comments added")
    qtbot.keyClick(log.filters.searchBox, Qt.Key.Key_Return)
    assert column_texts(log, LogColumn.ACTION) == ["import"]
    log.filters.clear()
    log.filters.fromCheck.setChecked(True)  # from a week ago: everything is newer
    assert log.model.rowCount() == everything
    log.filters.toDate.setDate(log.filters.toDate.date().addDays(-3))
    log.filters.toCheck.setChecked(True)  # up to three days ago: nothing
    assert log.model.rowCount() == 0


def test_go_to_comment_shows_it_on_the_desk(demo_window: MainWindow, qtbot: QtBot) -> None:
    window = demo_window
    log = open_log(window, qtbot)
    log.filters.actionBox.setCurrentIndex(log.filters.actionBox.findData("flag"))
    entry = log.current_entry()
    assert entry is not None
    assert entry.comment is not None
    log.table.setFocus()
    qtbot.keyClick(log.table, Qt.Key.Key_Return)
    assert window.queueTabs.currentIndex() == 4  # All: whatever its status
    assert window.queue.comment_id(window.commentQueue.currentIndex().row()) == entry.comment


def test_revert_puts_the_comment_back_and_logs_it(
    demo_window: MainWindow, answers: Answers, database: Database, qtbot: QtBot
) -> None:
    window = demo_window
    target = window.queue.comment_id(0)
    assert target is not None
    press(qtbot, window, "a")
    log = open_log(window, qtbot)
    approval = log.current_entry()
    assert approval is not None
    assert (approval.action, approval.comment) == ("approve", target)

    answers.revert = False
    log.actions_by_name["actionRevert"].trigger()
    assert answers.asked[-1] == f"revert {approval.seq}"
    assert status_of(database, target) is Status.APPROVED

    answers.revert = True
    with qtbot.waitSignal(window.desk.moderated):
        log.actions_by_name["actionRevert"].trigger()
    assert status_of(database, target) is Status.PENDING
    # The log window took in the new entry on top and kept the approval selected.
    top = log.model.entry(0)
    assert top is not None
    assert (top.action, top.reverts, top.comment) == ("revert", approval.seq, target)
    current = log.current_entry()
    assert current is not None
    assert current.seq == approval.seq
    # Reverting it again is refused: the comment is no longer as the entry left it.
    with qtbot.assertNotEmitted(window.desk.moderated):
        log.actions_by_name["actionRevert"].trigger()
    boxes = [box for box in log.findChildren(QMessageBox) if box.isVisible()]
    assert [box.windowTitle() for box in boxes] == ["Cannot revert"]
    assert "changed since" in boxes[0].text()


def test_export_writes_the_file_in_the_background(
    demo_window: MainWindow, answers: Answers, qtbot: QtBot, tmp_path: Path
) -> None:
    window = demo_window
    log = open_log(window, qtbot)
    log.filters.actionBox.setCurrentIndex(log.filters.actionBox.findData("flag"))
    target = tmp_path / "flags.jsonl"
    answers.export = ExportRequest(target, LogFormat.JSONL, log.filters.log_filter())
    log.actions_by_name["actionExportLog"].trigger()
    job = window.log.export_flow.job
    assert job is not None
    with qtbot.waitSignal(job.finished, timeout=WORK_TIMEOUT_MS):
        pass
    assert answers.asked[-1] == "export {'action': 'flag'}"
    found = verify_export(target)
    assert (found.entries, found.complete) == (4, False)
    assert "Exported 4 entries" in log.statusBar().currentMessage()

    answers.export = None  # the dialog cancelled: nothing starts
    window.log.export()
    assert window.log.export_flow.job is job


def test_the_status_bar_says_whether_the_log_holds(
    demo_window: MainWindow, database: Database, qtbot: QtBot
) -> None:
    window = demo_window
    assert window.log.badge.text() == "Log: 7 entries, not checked yet"
    job = window.log.status.verify()
    assert job is not None
    assert window.log.badge.text() == "Log: checking…"
    with qtbot.waitSignal(job.finished, timeout=WORK_TIMEOUT_MS):
        pass
    assert window.log.badge.text() == "Log verified ✓ 7 entries"

    path = Path(database.engine.url.database or "")
    raw = sqlite3.connect(path)
    raw.execute("UPDATE log_entry SET note = 'rewritten' WHERE seq = 2")
    raw.commit()
    raw.close()
    job = window.log.status.verify()
    assert job is not None
    with qtbot.waitSignal(job.finished, timeout=WORK_TIMEOUT_MS):
        pass
    assert window.log.badge.text() == "⚠ Log does not verify at entry 2"
    assert "entry 2 was changed" in window.log.badge.toolTip()
    log = open_log(window, qtbot)
    assert log.verified_label.text() == "⚠ Log does not verify at entry 2"


def test_the_export_dialog_offers_filters_format_and_file(
    demo_window: MainWindow, database: Database, qtbot: QtBot, tmp_path: Path
) -> None:
    dialog = LogExportDialog(demo_window, database, LogFilter(action="flag"))
    qtbot.addWidget(dialog)
    assert dialog.countLabel.text() == "4 entries (filtered)"
    dialog.formatBox.setCurrentIndex(dialog.formatBox.findData(LogFormat.JSONL))
    assert not dialog.bomCheck.isEnabled()
    assert dialog.pathEdit.text().endswith(".jsonl")
    dialog.pathEdit.setText(str(tmp_path / "out.csv"))
    dialog.formatBox.setCurrentIndex(dialog.formatBox.findData(LogFormat.CSV))
    dialog.bomCheck.setChecked(True)
    request = dialog.request()
    assert request == ExportRequest(
        tmp_path / "out.csv", LogFormat.CSV, LogFilter(action="flag"), True
    )
    dialog.pathEdit.setText(str(tmp_path / "no such folder" / "x.csv"))
    ok = dialog.buttons.buttons()[0]
    assert not ok.isEnabled()
    dialog.filters.clear()
    assert dialog.countLabel.text().endswith("(the whole log)")


def test_untrusted_text_in_an_entry_stays_plain(
    demo_window: MainWindow, answers: Answers, qtbot: QtBot
) -> None:
    window = demo_window
    answers.note = "<b>look</b> <img src=x>"
    press(qtbot, window, "e")
    log = open_log(window, qtbot)
    entry = log.current_entry()
    assert entry is not None
    assert "Note:     <b>look</b> <img src=x>" in describe(entry)
    assert log.detail.toPlainText() == describe(entry)


def test_an_entrys_details_read_in_words_not_json() -> None:
    entry = LogEntry(
        seq=7,
        prev="0" * 64,
        time=datetime(2025, 3, 10, 9, 0, tzinfo=UTC),
        actor="ann",
        role="moderator",
        action="author_note",
        comment=None,
        article=None,
        from_status=None,
        to_status=None,
        escalated=None,
        reason=None,
        rule_set=None,
        reverts=None,
        note="keeps posting links",
        evidence=evidence_text({"author": "<b>bob</b>", "mood": {"x": 1}}),
        hash="1" * 64,
    )
    lines = describe(entry).splitlines()
    assert "Author: <b>bob</b>" in lines
    # A key this version does not label: as it is, its value as text.
    assert 'mood:   {"x": 1}' in lines
    assert not any(line.startswith("Details") for line in lines)
