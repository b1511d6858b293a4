"""The Rules menu: which rule set checks comments, and running it again over stored comments."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMenu, QProgressDialog, QWidget
from sqlalchemy.exc import SQLAlchemyError

from moderator import settings
from moderator.domain.errors import ServiceError
from moderator.rules.loader import LoadedRuleSet, LoadError
from moderator.runs.rules import RuleRunReport
from moderator.services.rulesets import read_rules
from moderator.store.refusals import explain_refusal
from ui.common.funnel import Desk
from ui.common.jobs import Job, dismiss, progress_dialog
from ui.common.messages import plain_tooltip, warn

# Injected so tests can answer without a modal dialog.
RuleFilePicker = Callable[[QWidget], Path | None]


def pick_rule_file(parent: QWidget) -> Path | None:
    name, _ = QFileDialog.getOpenFileName(
        parent, "Use rule set", "", "Rule sets (*.toml);;All files (*)"
    )
    return Path(name) if name else None


def describe(loaded: LoadedRuleSet) -> str:
    """ "Default (12 rules, 10 enabled)": a rule set as the menu and messages name it."""
    rule_set = loaded.rule_set
    enabled = len(rule_set.enabled)
    total = len(rule_set.rules)
    counted = f"{total} rule{'s' if total != 1 else ''}"
    if enabled != total:
        counted += f", {enabled} enabled"
    return f"{rule_set.name} ({counted})"


class RulesMenu(QObject):
    """Adds "Rules" to the window's menu bar; every change goes through the desk.

    The first entry says which rule set is active; it is read again whenever the menu opens,
    since ``moderator rules use`` may have changed it meanwhile.
    """

    def __init__(
        self,
        window: QMainWindow,
        desk: Desk,
        *,
        file_picker: RuleFilePicker = pick_rule_file,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._desk = desk
        self._file_picker = file_picker
        self.job: Job | None = None
        self.dialog: QProgressDialog | None = None
        self.menu = QMenu("&Rules", window)
        self.menu.setObjectName("rulesMenu")
        bar = window.menuBar()
        # Help stays last, as everywhere.
        help_menu = next((a for a in bar.actions() if a.text() == "&Help"), None)
        if help_menu is None:
            bar.addMenu(self.menu)
        else:
            bar.insertMenu(help_menu, self.menu)
        self.active = self._action("actionActiveRuleSet", "Active rule set", None)
        self.active.setEnabled(False)
        self.menu.addSeparator()
        self._action("actionUseRuleSet", "&Use Rule Set…", self.choose_rule_set)
        self._action("actionUseDefaultRules", "Use &Default Rule Set", self.use_default)
        self.menu.addSeparator()
        self._action("actionRunRules", "&Run Rules on All Comments…", self.run_rules)
        # Read when the menu opens (loading a rule set takes a moment; the window opens now).
        self.menu.aboutToShow.connect(self.refresh)

    def _action(self, name: str, text: str, slot: Callable[[], object] | None) -> QAction:
        action = QAction(text, self._window)
        action.setObjectName(name)
        if slot is not None:
            action.triggered.connect(slot)
        self.menu.addAction(action)
        return action

    def refresh(self) -> None:
        """Name the active rule set (or say it cannot be read) in the menu's first entry."""
        try:
            path = settings.active_rule_set_path()
            said = f"Active: {describe(read_rules(path))}"
            tip = str(path)
        except (LoadError, settings.SettingsError) as error:
            said, tip = "Active rule set has problems", str(error)
        self.active.setText(said)
        self.active.setToolTip(plain_tooltip(tip))

    def choose_rule_set(self) -> None:
        path = self._file_picker(self._window)
        if path is not None:
            self._use(path)

    def use_default(self) -> None:
        self._use(None)

    def _use(self, path: Path | None) -> None:
        try:
            loaded = self._desk.use_rule_set(path)
        except LoadError as error:
            warn(self._window, "Rule set not used", f"It has problems:\n\n{error}")
            return
        except (settings.SettingsError, ServiceError) as error:
            # ServiceError: RoleError, when the desk's profile is not an editor's.
            warn(self._window, "Rule set not used", str(error))
            return
        self.refresh()
        message = f"Now checking new comments with {describe(loaded)}"
        if loaded.warnings:
            warnings = "\n".join(str(warning) for warning in loaded.warnings)
            warn(self._window, "Rule set in use, with warnings", f"{message}.\n\n{warnings}")
        self._window.statusBar().showMessage(message, 8000)

    def run_rules(self) -> Job | None:
        """Check every stored comment again in the background; Stop ends it between pages."""
        if self.job is not None:
            warn(self._window, "Run rules", "The rules are already running.")
            return None
        try:
            job = self._desk.start_rule_run()
        except LoadError as error:
            warn(self._window, "Rules not run", f"The active rule set has problems:\n\n{error}")
            return None
        except ServiceError as error:
            warn(self._window, "Rules not run", f"{str(error)[:1].upper()}{str(error)[1:]}.")
            return None
        self.job = job
        self.dialog = progress_dialog(
            self._window, job, name="rulesProgress", title="Run rules", label="Checking comments…"
        )
        job.progressed.connect(self._on_progress)
        job.succeeded.connect(self._on_succeeded)
        job.failed.connect(self._on_failed)
        job.finished.connect(job.deleteLater)
        return job

    def _on_progress(self, done: int, total: int, _label: str) -> None:
        if self.dialog is not None:
            self.dialog.setMaximum(total)
            self.dialog.setLabelText(f"Checked {done:,} of {total:,} comments…")
            self.dialog.setValue(done)

    def _on_succeeded(self, report: RuleRunReport) -> None:
        self._done()
        self._window.statusBar().showMessage(summary(report), 10000)

    def _on_failed(self, error: Exception) -> None:
        self._done()
        if isinstance(error, SQLAlchemyError):
            warn(self._window, "Rules stopped", explain_refusal(error))
        else:
            warn(self._window, "Rules stopped", f"The run failed: {error}")

    def _done(self) -> None:
        dismiss(self.dialog)
        self.job, self.dialog = None, None


def summary(report: RuleRunReport) -> str:
    """One line for the status bar: how far the run got and what it found."""
    done = (
        f"Stopped after {report.checked:,} of {report.total:,} comments"
        if report.stopped
        else f"Checked {report.checked:,} comments"
    )
    return f"{done}: {report.flagged:,} flagged, {report.hidden:,} hidden by rules"
