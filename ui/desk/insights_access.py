"""The insights from the desk window: the insights window, opened on demand, whose "show a
comment" and "open an article" land on the desk."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMainWindow

from ui.common.funnel import Desk
from ui.insights.window import InsightsWindow, SavePicker, ask_save_path


class InsightsAccess(QObject):
    """Owns the insights window of one desk window. No signals of its own."""

    def __init__(
        self,
        window: QMainWindow,
        desk: Desk,
        show_comment: Callable[[int, int], None],
        show_article: Callable[[int], None],
        *,
        save_picker: SavePicker = ask_save_path,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._desk = desk
        self._show_comment = show_comment
        self._show_article = show_article
        self._save_picker = save_picker
        self.insights_window: InsightsWindow | None = None

    def show(self) -> InsightsWindow:
        """The insights window, opened (or brought forward)."""
        if self.insights_window is None:
            self.insights_window = InsightsWindow(
                self._desk, save_picker=self._save_picker, parent=self._window
            )
            self.insights_window.goToComment.connect(self._go_to_comment)
            self.insights_window.goToArticle.connect(self._go_to_article)
        self.insights_window.show()
        self.insights_window.raise_()
        self.insights_window.activateWindow()
        return self.insights_window

    def close(self) -> None:
        if self.insights_window is not None:
            self.insights_window.close()

    def _go_to_comment(self, comment_id: int, article_id: int) -> None:
        self._show_comment(comment_id, article_id)
        self._come_forward()

    def _go_to_article(self, article_id: int) -> None:
        self._show_article(article_id)
        self._come_forward()

    def _come_forward(self) -> None:
        self._window.raise_()
        self._window.activateWindow()
