"""File → Settings…: which database this desk opens, said in words (a file on this computer,
or the team's PostgreSQL server); the choice is checked before it is kept."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QIntValidator
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from moderator import settings
from moderator.store.database import (
    ENV_DATABASE,
    DatabaseError,
    default_database_path,
    probe_database,
)
from moderator.store.location import ServerAddress, describe, file_path, server_address

# Injected so tests can answer without a modal dialog: (parent, database open now) -> whether
# a new choice was kept.
SettingsAsker = Callable[[QWidget, str], bool]

# Grey examples in the empty server fields: shown as examples, never taken for values.
SERVER_EXAMPLES = {
    "host": "e.g. db.example.org",
    "port": "e.g. 5432",
    "database": "e.g. moderation",
    "user": "e.g. ann",
    "password": "none (or kept in ~/.pgpass)",
}


class SettingsDialog(QDialog):
    """Where the database is: a file on this computer (with Browse…), or the team's server
    (its name, port, database and user). Check says what is there; Save keeps a choice that
    can be used."""

    def __init__(self, open_now: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle("Settings")
        self.setMinimumWidth(560)
        heading = QLabel("Database", self)
        font = heading.font()
        font.setBold(True)
        heading.setFont(font)
        self.open_now = _plain_label(f"Open now: {describe(open_now)}", self, "databaseOpenNow")
        chosen = settings.chosen_database() or ""
        server = server_address(chosen)

        self.file_fields = self._build_file_fields(chosen)
        self.server_fields = self._build_server_fields(server)

        choices = QButtonGroup(self)
        choices.addButton(self.file_choice)
        choices.addButton(self.server_choice)
        (self.server_choice if server else self.file_choice).setChecked(True)
        self.file_choice.toggled.connect(self._choice_changed)

        self.will_open = _plain_label("", self, "databaseWillOpen")
        check = QPushButton("&Check", self)
        check.setObjectName("checkDatabase")
        check.setToolTip("See what is there (nothing is written)")
        check.clicked.connect(self.check)
        summary = QHBoxLayout()
        summary.addWidget(self.will_open, 1)
        summary.addWidget(check, 0, Qt.AlignmentFlag.AlignTop)
        self.finding = _plain_label("", self, "databaseFinding")
        for box in (
            self.path_box,
            self.host_box,
            self.port_box,
            self.database_name_box,
            self.user_box,
        ):
            box.textChanged.connect(self._location_changed)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.open_now)
        layout.addSpacing(6)
        layout.addWidget(self.file_choice)
        layout.addWidget(self.file_fields)
        layout.addWidget(self.server_choice)
        layout.addWidget(self.server_fields)
        layout.addSpacing(6)
        layout.addLayout(summary)
        layout.addWidget(self.finding)
        layout.addSpacing(10)
        layout.addWidget(self._build_anchor_fields())
        layout.addStretch()
        layout.addWidget(self.buttons)
        self._choice_changed()

    def _build_anchor_fields(self) -> QWidget:
        """Where the log's head is kept at each close: the anchor `log verify --anchor`
        checks the log against, best on a disk the database's writers cannot change."""
        box = QWidget(self)
        heading = QLabel("Log anchor", box)
        font = heading.font()
        font.setBold(True)
        heading.setFont(font)
        said = _plain_label(
            "Keep a copy of the log's head in this folder each time the window closes, to"
            " prove later (moderator log verify --anchor) that the log was neither cut"
            " nor rewritten. Best on another disk or machine. Empty: none kept.",
            box,
            "anchorExplained",
        )
        try:
            chosen = settings.anchor_folder()
        except settings.SettingsError:
            chosen = None
        self.anchor_box = QLineEdit("" if chosen is None else str(chosen), box)
        self.anchor_box.setObjectName("anchorFolder")
        self.anchor_box.setAccessibleName("Folder the log's head is kept in")
        self.anchor_box.setPlaceholderText("No folder: no anchor kept")
        browse = QPushButton("B&rowse…", box)
        browse.setObjectName("browseAnchor")
        browse.clicked.connect(self._browse_anchor)
        row = QHBoxLayout()
        row.addWidget(self.anchor_box, 1)
        row.addWidget(browse)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(heading)
        layout.addWidget(said)
        layout.addLayout(row)
        return box

    def _browse_anchor(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder for the log's anchor")
        if folder:
            self.anchor_box.setText(folder)

    def _anchor_refused(self) -> str | None:
        """Why the anchor folder typed cannot be used (None: it can, or none is typed)."""
        typed = self.anchor_box.text().strip()
        if typed and not Path(typed).expanduser().is_dir():
            return f"The anchor folder {typed} is not a folder that exists."
        return None

    def _build_file_fields(self, chosen: str) -> QWidget:
        self.file_choice = QRadioButton("A &file on this computer, for one desk on its own", self)
        self.file_choice.setObjectName("fileChoice")
        self.path_box = QLineEdit(file_path(chosen) or str(default_database_path()), self)
        self.path_box.setObjectName("databasePath")
        self.path_box.setAccessibleName("Database file")
        self.path_box.setPlaceholderText("empty: the standard file in Moderator's data folder")
        browse = QPushButton("&Browse…", self)
        browse.setObjectName("browseDatabase")
        browse.clicked.connect(self._browse)
        file_row = QHBoxLayout()
        file_row.setContentsMargins(24, 0, 0, 0)
        file_row.addWidget(self.path_box, 1)
        file_row.addWidget(browse)
        fields = QWidget(self)
        fields.setLayout(file_row)
        return fields

    def _build_server_fields(self, server: ServerAddress | None) -> QWidget:
        self.server_choice = QRadioButton(
            "The team's &server (PostgreSQL), for several moderators working together", self
        )
        self.server_choice.setObjectName("serverChoice")
        self.host_box = self._server_box("host", "Server", server.host if server else "")
        self.port_box = self._server_box(
            "port", "Port", str(server.port) if server and server.port else ""
        )
        self.port_box.setValidator(QIntValidator(1, 65535, self.port_box))
        self.port_box.setMaximumWidth(160)
        self.database_name_box = self._server_box(
            "database", "Database", server.database if server else ""
        )
        self.user_box = self._server_box("user", "User", server.user if server else "")
        self.password_box = self._server_box(
            "password", "Password", (server.password or "") if server else ""
        )
        # Typed and kept, never shown.
        self.password_box.setEchoMode(QLineEdit.EchoMode.Password)
        # What a URL given whole had beyond the fields (its driver, sslmode=...) is kept.
        self._server_base = server or ServerAddress(host="", database="")
        form = QFormLayout()
        form.setContentsMargins(24, 0, 0, 0)
        host_row = QHBoxLayout()
        host_row.addWidget(self.host_box, 1)
        host_row.addWidget(QLabel("Port:", self))
        host_row.addWidget(self.port_box)
        form.addRow("Server:", host_row)
        form.addRow("Database:", self.database_name_box)
        form.addRow("User:", self.user_box)
        form.addRow("Password:", self.password_box)
        fields = QWidget(self)
        fields.setLayout(form)
        return fields

    def _server_box(self, name: str, label: str, value: str) -> QLineEdit:
        box = QLineEdit(value, self)
        box.setObjectName(f"server{name.capitalize()}")
        box.setAccessibleName(f"Server: {label}")
        box.setPlaceholderText(SERVER_EXAMPLES[name])
        return box

    @property
    def on_server(self) -> bool:
        return self.server_choice.isChecked()

    @property
    def location(self) -> str:
        """What the dialog would keep: a file's path ("" for the standard file) or a URL."""
        if not self.on_server:
            path = self.path_box.text().strip()
            return "" if path == str(default_database_path()) else path
        port = self.port_box.text().strip()
        return replace(
            self._server_base,
            host=self.host_box.text().strip(),
            port=int(port) if port.isdigit() else None,
            database=self.database_name_box.text().strip(),
            user=self.user_box.text().strip(),
            password=self.password_box.text() or None,
        ).url()

    def _missing(self) -> str | None:
        """What the server choice still needs, if anything."""
        if not self.on_server:
            return None
        if not self.host_box.text().strip():
            return "Say which server: its name or address"
        if not self.database_name_box.text().strip():
            return "Say which database on the server"
        return None

    def _choice_changed(self, *_args: object) -> None:
        self.file_fields.setEnabled(not self.on_server)
        self.server_fields.setEnabled(self.on_server)
        self._location_changed()

    def _location_changed(self, *_args: object) -> None:
        missing = self._missing()
        where = self.location or str(default_database_path())
        self.will_open.setText(missing or f"From the next start: {describe(where)}")
        self.finding.clear()
        self.finding.setStyleSheet("")

    def check(self) -> bool:
        """Say what the chosen database holds (nothing is written); whether it can be used."""
        missing = self._missing()
        if missing:
            self._refuse(missing)
            return False
        try:
            found = probe_database(self.location or str(default_database_path()))
        except DatabaseError as error:
            self._refuse(f"Cannot use it: {error}")
            return False
        self.finding.setText(found)
        self.finding.setStyleSheet("")
        self.adjustSize()
        return True

    def _refuse(self, why: str) -> None:
        self.finding.setText(why)
        self.finding.setStyleSheet("color: #c62828; font-weight: bold;")
        self.adjustSize()

    def save(self) -> None:
        """Keep the choice if it can be used; it takes effect at the next start."""
        if not self.check():
            return
        refused = self._anchor_refused()
        if refused is not None:
            self._refuse(refused)
            return
        settings.use_database(self.location or None)
        typed = self.anchor_box.text().strip()
        settings.use_anchor_folder(Path(typed) if typed else None)
        self.accept()

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Database file",
            self.path_box.text().strip() or str(default_database_path()),
            "Moderator databases (*.sqlite3 *.sqlite *.db);;All files (*)",
            options=QFileDialog.Option.DontConfirmOverwrite,
        )
        if path:
            self.path_box.setText(path)
            self.check()


def _plain_label(text: str, parent: QWidget, name: str) -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


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
