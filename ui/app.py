"""Starts the desktop app: the QApplication, the database and the main window."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy.exc import SQLAlchemyError

from moderator.store.database import DatabaseError, open_database
from ui.common.funnel import Desk
from ui.common.messages import plain_box
from ui.common.stop_signals import CloseOnSignals
from ui.desk.main_window import MainWindow
from ui.dialogs.profile import first_start


def run_gui(database_url: str | None) -> int:
    """Run the window on the database at ``database_url`` (or the default); the exit status."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv)
    app.setApplicationName("Moderator")
    app.setOrganizationName("Moderator")
    app.setApplicationDisplayName("Moderator")
    try:
        database = open_database(database_url, background_checkpoints=True)
    except (DatabaseError, SQLAlchemyError, OSError) as error:
        plain_box(
            None, QMessageBox.Icon.Critical, "Moderator", f"Cannot open the database.\n\n{error}"
        ).exec()
        return 1
    try:
        desk = Desk(database)
        first_start(desk)
        window = MainWindow(desk)
        window.live.start()
        window.show()
        # Checked in the background from the start: the status bar says whether it holds.
        window.log.status.verify()
        # Stopped by a signal, the window closes as by hand (its claim released, its jobs
        # ended) rather than the process vanishing with them.
        stop_signals = CloseOnSignals(app)
        try:
            return app.exec()
        finally:
            stop_signals.uninstall()
    finally:
        database.close()
