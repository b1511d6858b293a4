"""Windows remember their size, place and splitters between sessions (Qt state blobs only)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QByteArray, QRect, QSettings, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMainWindow, QSplitter, QWidget

from moderator import settings

WINDOW_SETTINGS = "window.ini"
# Room a window manager's title bar and borders take, before the window is shown (when the
# frame is not known yet).
FRAME_ALLOWANCE = (16, 48)


def _stored() -> QSettings:
    # Beside the core's settings (the config folder, $MODERATOR_CONFIG_DIR in tests), not in
    # Qt's default place: only Qt state goes here.
    return QSettings(str(settings.config_dir() / WINDOW_SETTINGS), QSettings.Format.IniFormat)


def _splitters(window: QMainWindow, names: Sequence[str]) -> list[QSplitter]:
    return [s for s in window.findChildren(QSplitter) if s.objectName() in names]


def save_layout(window: QMainWindow, splitters: Sequence[str], *, prefix: str = "") -> None:
    """Keep the window's geometry, its toolbars and docks, and the named splitters."""
    stored = _stored()
    stored.setValue(f"{prefix}geometry", window.saveGeometry())
    stored.setValue(f"{prefix}state", window.saveState())
    for splitter in _splitters(window, splitters):
        stored.setValue(f"{prefix}splitters/{splitter.objectName()}", splitter.saveState())
    stored.sync()


def restore_layout(window: QMainWindow, splitters: Sequence[str], *, prefix: str = "") -> None:
    """Put back what :func:`save_layout` kept (nothing, the first time)."""
    stored = _stored()
    for key, restore in (("geometry", window.restoreGeometry), ("state", window.restoreState)):
        value = stored.value(f"{prefix}{key}")
        if isinstance(value, QByteArray):
            restore(value)
    for splitter in _splitters(window, splitters):
        value = stored.value(f"{prefix}splitters/{splitter.objectName()}")
        if isinstance(value, QByteArray):
            splitter.restoreState(value)


def fit_to_screen(window: QWidget, *, preferred: tuple[int, int] | None = None) -> None:
    """Keep ``window`` whole on the screen it is on (or the primary one): at most the screen's
    available size (panels and docks left out), moved inside it. With ``preferred``, first
    size it so, centred; a geometry restored from a bigger screen shrinks to this one."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return
    room = screen.availableGeometry()
    if preferred is not None:
        width, height = preferred
        if width + FRAME_ALLOWANCE[0] > room.width() or height + FRAME_ALLOWANCE[1] > room.height():
            # A small screen: all of it, as a laptop user would make it anyway.
            window.resize(room.width(), room.height())
            window.setWindowState(window.windowState() | Qt.WindowState.WindowMaximized)
            return
        # On a big screen, most of it: a desk is worked at all day.
        window.resize(max(width, room.width() * 85 // 100), max(height, room.height() * 85 // 100))
        frame = window.frameGeometry()
        frame.moveCenter(room.center())
        window.move(frame.topLeft())
    window.resize(
        min(window.width(), room.width() - _frame_extra(window).width()),
        min(window.height(), room.height() - _frame_extra(window).height()),
    )
    frame = window.frameGeometry()
    left = min(max(frame.left(), room.left()), room.right() - frame.width() + 1)
    top = min(max(frame.top(), room.top()), room.bottom() - frame.height() + 1)
    if (left, top) != (frame.left(), frame.top()):
        window.move(left, top)


def _frame_extra(window: QWidget) -> QRect:
    """How much the window manager's frame adds around the window (none before it is shown)."""
    frame, inner = window.frameGeometry(), window.geometry()
    return QRect(0, 0, frame.width() - inner.width(), frame.height() - inner.height())
