"""What is decided is what is shown, the short run: random keys, clicks, searches and a
teammate's decisions against the real window, each decision checked against the pane
(``bench/selection_test.py`` is the long run)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from PySide6.QtWidgets import QTableView
from pytestqt.qtbot import QtBot

from moderator.store.database import open_database
from tests.bench.loading import load_bench
from ui.comments.queue_view import CommentQueueView

selection_test = load_bench("selection_test")


def run(tmp_path: Path, seed: int, steps: int) -> object:
    rng = random.Random(seed)
    database = selection_test.build(tmp_path / "desk.sqlite3", rng)
    teammate = open_database(f"sqlite:///{tmp_path / 'desk.sqlite3'}")
    try:
        return selection_test.drive(database, teammate, rng, steps)
    finally:
        teammate.close()
        database.close()


def test_every_decision_acts_on_what_the_pane_shows(tmp_path: Path, qtbot: QtBot) -> None:
    outcome = run(tmp_path, seed=3, steps=400)
    assert outcome.failures == []
    assert outcome.decisions >= 10


def test_the_check_catches_a_selection_left_behind(
    tmp_path: Path, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Qt's own rule (Ctrl with a move keeps the old selection) is the defect the issue found.
    monkeypatch.setattr(CommentQueueView, "selectionCommand", QTableView.selectionCommand)
    monkeypatch.setattr(CommentQueueView, "keyPressEvent", QTableView.keyPressEvent)
    outcome = run(tmp_path, seed=3, steps=400)
    assert outcome.failures
