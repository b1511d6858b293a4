"""The log from the desk window: the log window (opened on demand), exports, and its check."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QMainWindow, QToolButton

from ui.common.funnel import Desk
from ui.common.messages import plain_tooltip
from ui.log.export_flow import ExportChooser, LogExportFlow, ask_export
from ui.log.status import LogStatus
from ui.log.window import LogWindow, RevertConfirmer, confirm_revert

# Shows a comment on the desk: (comment id, article id).
ShowComment = Callable[[int, int], None]


class LogAccess(QObject):
    """Owns the log window, the export flow and the log's check for one desk window; the
    status bar's badge shows how many entries the log has and the check's state, and opens
    the log. No signals of its own."""

    def __init__(
        self,
        window: QMainWindow,
        desk: Desk,
        show_comment: ShowComment,
        *,
        chooser: ExportChooser = ask_export,
        confirm: RevertConfirmer = confirm_revert,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._desk = desk
        self._show_comment = show_comment
        self._confirm = confirm
        self.status = LogStatus(desk.database, self)
        self.export_flow = LogExportFlow(window, desk.database, chooser)
        self.log_window: LogWindow | None = None
        self.badge = QToolButton(window)
        self.badge.setObjectName("logBadge")
        self.badge.setAutoRaise(True)
        self.badge.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.badge.setAccessibleName("Moderation log check")
        self.badge.clicked.connect(self.show)
        self.status.changed.connect(self._show_status)
        # Whatever this desk or another did that the desk hears of may have added entries.
        for grew in (
            desk.moderated,
            desk.imported,
            desk.rules_ran,
            desk.noted,
            desk.lock_changed,
            desk.arrived,
            desk.reread,
            desk.elsewhere,
        ):
            grew.connect(self.status.recount)
        self._show_status()

    def show(self) -> LogWindow:
        """The log window, opened (or brought forward)."""
        if self.log_window is None:
            self.log_window = LogWindow(
                self._desk,
                self.status,
                confirm=self._confirm,
                export=self.export_flow,
                parent=self._window,
            )
            self.log_window.goToComment.connect(self._go_to)
        self.log_window.show()
        self.log_window.raise_()
        self.log_window.activateWindow()
        return self.log_window

    def close(self) -> None:
        if self.log_window is not None:
            self.log_window.close()

    def export(self) -> None:
        self.export_flow.start()

    def _go_to(self, comment_id: int, article_id: int) -> None:
        self._show_comment(comment_id, article_id)
        self._window.raise_()
        self._window.activateWindow()

    def _show_status(self) -> None:
        self.badge.setText(self.status.text())
        self.badge.setToolTip(
            plain_tooltip(self.status.detail() + "\n\nClick to open the moderation log.")
        )
