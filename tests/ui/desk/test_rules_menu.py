"""The Rules menu: choosing the active rule set and running it over stored comments."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from moderator import settings
from moderator.domain import Role, Status
from moderator.runs.rules import RuleRunReport
from moderator.store.database import Database
from moderator.store.models import Flag
from tests.ui.conftest import WORK_TIMEOUT_MS, AddArticle, status_of
from ui.common.funnel import Desk
from ui.desk.main_window import MainWindow
from ui.desk.rules_menu import summary

RULES = """\
[ruleset]
name = "Desk words"

[[rule]]
id = "insults"
kind = "words"
terms = ["idiot"]

[[rule]]
id = "slurs"
kind = "words"
terms = ["scumbag"]
action = "hide"

[[rule]]
id = "off"
kind = "words"
terms = ["hello"]
enabled = false
"""


class RuleFiles:
    """Stands in for the rule-set file dialog."""

    def __init__(self) -> None:
        self.answer: Path | None = None
        self.asked = 0

    def pick(self, _parent: QWidget) -> Path | None:
        self.asked += 1
        return self.answer


@pytest.fixture
def rule_files() -> RuleFiles:
    return RuleFiles()


@pytest.fixture
def window(desk: Desk, rule_files: RuleFiles, qtbot: QtBot, add_article: AddArticle) -> MainWindow:
    add_article(["You idiot.", "Fair point.", "What a scumbag.", "hello"])
    made = MainWindow(desk, rule_file_picker=rule_files.pick)
    qtbot.addWidget(made)
    made.show()
    return made


@pytest.fixture
def desk_rules(tmp_path: Path) -> Path:
    path = tmp_path / "desk.toml"
    path.write_text(RULES, encoding="utf-8")
    return path


def action(window: MainWindow, name: str) -> QAction:
    found = window.findChild(QAction, name)
    assert found is not None, name
    return found


def warnings(window: MainWindow) -> list[str]:
    return [box.text() for box in window.findChildren(QMessageBox) if box.isVisible()]


def test_the_menu_names_the_active_rule_set(window: MainWindow) -> None:
    window.rules_menu.menu.aboutToShow.emit()
    active = action(window, "actionActiveRuleSet")
    assert active.text().startswith("Active: Default (")
    assert not active.isEnabled()
    assert [a.objectName() for a in window.rules_menu.menu.actions() if a.objectName()] == [
        "actionActiveRuleSet",
        "actionUseRuleSet",
        "actionUseDefaultRules",
        "actionRunRules",
    ]


def test_a_moderator_may_not_change_the_rule_set(
    window: MainWindow, rule_files: RuleFiles, desk_rules: Path
) -> None:
    rule_files.answer = desk_rules
    action(window, "actionUseRuleSet").trigger()
    [message] = warnings(window)
    assert "changing the rule set needs the editor role; tester is a moderator" in message
    assert settings.active_rule_set_path() == settings.DEFAULT_RULE_SET


def test_using_a_rule_set_makes_it_active(
    window: MainWindow, rule_files: RuleFiles, desk_rules: Path
) -> None:
    window.desk.create_profile("tester", Role.EDITOR)
    rule_files.answer = desk_rules
    action(window, "actionUseRuleSet").trigger()
    assert rule_files.asked == 1
    assert settings.active_rule_set_path() == desk_rules.resolve()
    assert action(window, "actionActiveRuleSet").text() == "Active: Desk words (3 rules, 2 enabled)"
    assert window.statusBar().currentMessage() == (
        "Now checking new comments with Desk words (3 rules, 2 enabled)"
    )

    action(window, "actionUseDefaultRules").trigger()
    assert settings.active_rule_set_path() == settings.DEFAULT_RULE_SET
    assert action(window, "actionActiveRuleSet").text().startswith("Active: Default (")


def test_a_rule_set_with_problems_is_refused_and_named(
    window: MainWindow, rule_files: RuleFiles, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rule]]\nid = "x"\nkind = "wordz"\n', encoding="utf-8")
    rule_files.answer = bad
    action(window, "actionUseRuleSet").trigger()
    [message] = warnings(window)
    assert f"{bad}:3:" in message
    assert "wordz" in message
    assert settings.active_rule_set_path() == settings.DEFAULT_RULE_SET


def test_cancelling_the_file_dialog_changes_nothing(
    window: MainWindow, rule_files: RuleFiles
) -> None:
    action(window, "actionUseRuleSet").trigger()
    assert rule_files.asked == 1
    assert settings.active_rule_set_path() == settings.DEFAULT_RULE_SET
    assert warnings(window) == []


def choose(desk: Desk, rules: Path) -> None:
    """An editor chooses the rule set for the database (the only way it runs as the active one)."""
    desk.create_profile(desk.actor, Role.EDITOR)
    desk.use_rule_set(rules)


def test_running_the_rules_flags_hides_and_refreshes_the_lists(
    window: MainWindow, desk: Desk, database: Database, desk_rules: Path, qtbot: QtBot
) -> None:
    choose(desk, desk_rules)
    assert window.queue.rowCount() == 4
    with qtbot.waitSignal(desk.rules_ran, timeout=WORK_TIMEOUT_MS) as ran:
        action(window, "actionRunRules").trigger()
    report = ran.args[0]
    assert isinstance(report, RuleRunReport)
    assert (report.checked, report.flagged, report.hidden, report.stopped) == (4, 2, 1, False)
    assert window.statusBar().currentMessage() == "Checked 4 comments: 2 flagged, 1 hidden by rules"

    # The pending queue lost the comment the rules hid, and shows the other one's flag.
    bodies = [window.queue.comment(row).body for row in range(window.queue.rowCount())]
    assert bodies == ["You idiot.", "Fair point.", "hello"]
    assert [flag.rule_id for flag in window.queue.comment(0).flags] == ["insults"]
    assert window.articles.article(0).hidden == 1
    with database.session() as session:
        hidden_id = session.scalars(select(Flag.comment_id).where(Flag.rule_id == "slurs")).one()
    assert status_of(database, hidden_id) is Status.HIDDEN


def test_a_broken_active_rule_set_runs_nothing(
    window: MainWindow, database: Database, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[[rule]]\nid = 1\n", encoding="utf-8")
    settings.use_rule_set(broken)
    action(window, "actionRunRules").trigger()
    [message] = warnings(window)
    assert message.startswith("The active rule set has problems:")
    with database.session() as session:
        assert session.scalars(select(Flag)).all() == []
    window.rules_menu.menu.aboutToShow.emit()  # the menu reads the settings as it opens
    assert action(window, "actionActiveRuleSet").text() == "Active rule set has problems"


@pytest.mark.parametrize(
    ("stopped", "said"),
    [
        (False, "Checked 2,000 comments: 3 flagged, 1 hidden by rules"),
        (True, "Stopped after 2,000 of 5,000 comments: 3 flagged, 1 hidden by rules"),
    ],
)
def test_the_summary_says_how_far_the_run_got(stopped: bool, said: str) -> None:
    from moderator.services.flagging import FlagChange  # noqa: PLC0415

    page = FlagChange("v", checked=2000, flagged=(1, 2, 3), hits=4, hidden=(2,))
    report = RuleRunReport("v", [page], total=5000 if stopped else 2000, stopped=stopped)
    assert summary(report) == said


def test_the_run_is_in_the_background_one_at_a_time_and_can_be_stopped(
    window: MainWindow, desk: Desk, desk_rules: Path, qtbot: QtBot
) -> None:
    choose(desk, desk_rules)
    job = window.rules_menu.run_rules()
    assert job is not None
    assert window.rules_menu.run_rules() is None
    assert warnings(window) == ["The rules are already running."]
    dialog = window.rules_menu.dialog
    assert dialog is not None
    stop = dialog.findChild(QPushButton)
    assert stop is not None
    with qtbot.waitSignal(desk.rules_ran, timeout=WORK_TIMEOUT_MS):
        stop.click()
        assert job.stop_requested
    assert window.rules_menu.job is None


def test_a_rule_set_file_changed_since_it_was_chosen_runs_nothing_and_says_so(
    window: MainWindow, desk: Desk, database: Database, desk_rules: Path
) -> None:
    choose(desk, desk_rules)
    # Edited in place after the editor chose it: a hide rule for every comment, say.
    desk_rules.write_text(
        desk_rules.read_text(encoding="utf-8")
        + '\n[[rule]]\nid = "everything"\nkind = "words"\nterms = ["hello"]\naction = "hide"\n',
        encoding="utf-8",
    )
    assert window.rules_menu.run_rules() is None
    [message] = warnings(window)
    assert "is not the one an editor chose for this database" in message
    with database.session() as session:
        assert session.scalars(select(Flag)).all() == []
    # Nor does an import use it.
    assert window.importer.start([desk_rules]) is None


def test_a_rule_set_named_in_the_settings_alone_is_not_used(
    window: MainWindow, database: Database, desk_rules: Path
) -> None:
    settings.use_rule_set(desk_rules)  # settings.json edited by hand: no editor chose it
    assert window.rules_menu.run_rules() is None
    [message] = warnings(window)
    assert "no editor has chosen it" in message
