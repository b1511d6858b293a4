"""The empty desk's panel names every kind of file an import takes."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from moderator.imports.files import SCRAPED_SUFFIXES
from ui.desk.empty_state import EmptyStatePanel


def test_it_names_every_kind_of_file_an_import_takes(qtbot: QtBot) -> None:
    panel = EmptyStatePanel()
    qtbot.addWidget(panel)
    text = panel.explanation.text()
    assert panel.explanation.textFormat() == Qt.TextFormat.PlainText
    # The suffixes a folder is searched for, and the platforms whose exports are told apart
    # by their content.
    for suffix in SCRAPED_SUFFIXES:
        assert f"({suffix})" in text or f", {suffix})" in text, suffix
    assert "WordPress exports (WXR, .xml)" in text
    assert "Disqus exports (.xml)" in text
