"""Text fields in the desk window hand the keys back: Escape leaves them."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QWidget


class _OnEscape(QObject):
    def __init__(self, field: QWidget, then: Callable[[], None]) -> None:
        super().__init__(field)
        self._then = then
        field.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
        ):
            self._then()
            return True
        return super().eventFilter(watched, event)


def on_escape(field: QWidget, then: Callable[[], None]) -> None:
    """Call ``then`` when Escape is pressed in ``field`` (which a line edit would ignore)."""
    _OnEscape(field, then)
