"""File → Settings…: which database this desk opens (a SQLite file of its own, or the team's
PostgreSQL server). The choice is checked before it is kept, and used from the next start."""

from __future__ import annotations

import os
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from moderator import settings
from moderator.storage import ENV_DATABASE, DatabaseError, default_database_path, probe_database

# Injected so tests can answer without a modal dialog: (parent, database open now) -> whether
# a new choice was kept.
SettingsAsker = Callable[[QWidget, str], bool]

EXAMPLE_URL = "postgresql+psycopg://NAME@SERVER/moderator"


class SettingsDialog(QDialog):
    """The database field, with Browse… for a file and Check to see what is there."""

    def __init__(self, open_now: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle("Settings")
        self.setMinimumWidth(560)
        heading = QLabel("Database", self)
        font = heading.font()
        font.setBold(True)
        heading.setFont(font)
        explain = QLabel(
            "A SQLite file for one desk, or the team's PostgreSQL server for several moderators"
            f" working together ({EXAMPLE_URL}). Leave empty for the default file.",
            self,
        )
        explain.setWordWrap(True)
        explain.setTextFormat(Qt.TextFormat.PlainText)
        chosen = settings.chosen_database() or ""
        self.database_box = QLineEdit(chosen, self)
        self.database_box.setObjectName("databaseField")
        self.database_box.setAccessibleName("Database file or URL")
        self.database_box.setPlaceholderText(str(default_database_path()))
        browse = QPushButton("&Browse…", self)
        browse.clicked.connect(self._browse)
        check = QPushButton("&Check", self)
        check.setObjectName("checkDatabase")
        check.clicked.connect(self.check)
        field = QHBoxLayout()
        field.addWidget(self.database_box, 1)
        field.addWidget(browse)
        field.addWidget(check)
        self.finding = QLabel(self)
        self.finding.setObjectName("databaseFinding")
        self.finding.setWordWrap(True)
        self.finding.setTextFormat(Qt.TextFormat.PlainText)
        now = QLabel(f"Open now: {open_now}", self)
        now.setObjectName("databaseOpenNow")
        now.setWordWrap(True)
        now.setTextFormat(Qt.TextFormat.PlainText)
        now.setEnabled(False)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (heading, explain):
            layout.addWidget(widget)
        layout.addLayout(field)
        layout.addWidget(self.finding)
        layout.addWidget(now)
        layout.addStretch()
        layout.addWidget(self.buttons)

    @property
    def location(self) -> str:
        return self.database_box.text().strip()

    def check(self) -> bool:
        """Say what the chosen database holds (nothing is written); whether it can be used."""
        location = self.location or str(default_database_path())
        try:
            found = probe_database(location)
        except DatabaseError as error:
            self.finding.setText(f"Cannot use it: {error}")
            self.finding.setStyleSheet("color: #c62828; font-weight: bold;")
            self.adjustSize()
            return False
        self.finding.setText(found)
        self.finding.setStyleSheet("")
        self.adjustSize()
        return True

    def save(self) -> None:
        """Keep the choice if it can be used; it takes effect at the next start."""
        if not self.check():
            return
        settings.use_database(self.location or None)
        self.accept()

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Database file",
            self.location if "://" not in self.location else str(default_database_path()),
            "Moderator databases (*.sqlite3 *.sqlite *.db);;All files (*)",
            options=QFileDialog.Option.DontConfirmOverwrite,
        )
        if path:
            self.database_box.setText(path)
            self.check()


def ask_settings(parent: QWidget, open_now: str) -> bool:
    return SettingsDialog(open_now, parent).exec() == QDialog.DialogCode.Accepted


def saved_message() -> str:
    """The status bar's line once a database is chosen."""
    overridden = (
        f" (for now ${ENV_DATABASE} or --db chooses another)"
        if os.environ.get(ENV_DATABASE)
        else ""
    )
    return "Settings saved: Moderator opens the database you chose from its next start" + (
        overridden
    )
