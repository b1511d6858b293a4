"""The Qt binding itself: a known PySide6 fault would end long sessions with a crash."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot


def test_qt_calls_that_return_nothing_keep_nones_references(qtbot: QtBot) -> None:
    # PySide6 6.12.0 dropped a reference to None on every such call: on Python 3.11, where None
    # is not immortal, a desk that made a few hundred decisions then died in none_dealloc.
    label = QLabel()
    qtbot.addWidget(label)
    app = QApplication.instance()
    assert app is not None
    before = sys.getrefcount(None)
    for _ in range(2_000):
        label.setText("x")
        app.processEvents()
    assert sys.getrefcount(None) - before > -100
