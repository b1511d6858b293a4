"""Windows remember their size, place and splitters between sessions (Qt state blobs only)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow, QSplitter

from moderator import settings

WINDOW_SETTINGS = "window.ini"


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
