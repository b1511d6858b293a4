"""Screenshots for the manual: the demo article on a fresh database, each window saved as a PNG.

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/screenshots.py [--out DIR]

writes desk.png, review.png, log.png and insights.png (1366 x 768) into docs/images/ or DIR.
Nothing of the user's is read or changed: the database and the settings are temporary.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget
from sqlalchemy import select

from moderator import settings
from moderator.domain import ReasonCode, Role
from moderator.resources import DEMO_ARTICLE
from moderator.services.moderation import ENV_USER
from moderator.store.database import open_database
from moderator.store.models import Comment
from ui.common.funnel import Desk
from ui.desk.main_window import MainWindow

IMAGES = Path(__file__).resolve().parent / "images"
SIZE = (1366, 768)
# Long enough for background work (the log's check, the insights' counts) on a slow machine.
TIMEOUT_S = 60.0
# After the work is done: time for queued repaints and layout passes to run.
SETTLE_MS = 400


def make_screenshots(out: Path) -> list[Path]:
    """Write desk.png, review.png, log.png and insights.png into ``out``; their paths."""
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    with (
        tempfile.TemporaryDirectory(prefix="moderator-shots-") as scratch,
        _own_settings(Path(scratch) / "config"),
    ):
        database = open_database(f"sqlite:///{Path(scratch) / 'moderator.sqlite3'}")
        try:
            desk = Desk(database, actor="ann")
            article_id = _demo_desk(desk)
            return _grab_windows(desk, article_id, out)
        finally:
            database.close()


@contextmanager
def _own_settings(folder: Path) -> Iterator[None]:
    """A settings folder of the run's own, and no name from the environment."""
    saved = {name: os.environ.get(name) for name in (settings.ENV_CONFIG_DIR, ENV_USER)}
    os.environ[settings.ENV_CONFIG_DIR] = str(folder)
    os.environ.pop(ENV_USER, None)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _demo_desk(desk: Desk) -> int:
    """The demo article imported (with the default rules) and a few decisions made on it, as a
    desk looks after a quarter of an hour's work; the article's id."""
    desk.create_profile("ann", Role.EDITOR)
    desk.import_paths([DEMO_ARTICLE])
    with desk.database.session() as session:
        rows = session.execute(select(Comment.id, Comment.article_id).order_by(Comment.position))
        ids = {
            position: (comment_id, article)
            for position, (comment_id, article) in enumerate(rows, 1)
        }
    article_id = ids[1][1]
    desk.approve([ids[1][0], ids[2][0], ids[7][0]])
    desk.hide([ids[4][0]], ReasonCode.SPAM)
    desk.hide([ids[8][0]], ReasonCode.OFF_TOPIC, "asks about road works")
    desk.escalate([ids[11][0]], "a phone number: is this personal information?")
    return article_id


def _grab_windows(desk: Desk, article_id: int, out: Path) -> list[Path]:
    window = MainWindow(desk)
    try:
        _show(window)
        window.select_article(article_id)
        check = window.log.status.verify()
        if check is not None:
            _wait_until(lambda: not check.running)
        saved = [_save(window, out / "desk.png")]

        review = window.review.show()
        _show(review)
        saved.append(_save(review, out / "review.png"))
        review.close()

        log = window.log.show()
        _show(log)
        _wait_until(lambda: log.model.rowCount() > 0)
        saved.append(_save(log, out / "log.png"))
        log.close()

        insights = window.insights.show()
        _show(insights)
        _wait_until(lambda: insights.insights is not None)
        # The rules' tab says the most about a desk that has worked for minutes, not months.
        insights.tabs.setCurrentWidget(insights.rules)
        saved.append(_save(insights, out / "insights.png"))
        insights.close()
        return saved
    finally:
        window.close()
        window.deleteLater()
        QTest.qWait(0)


def _show(window: QWidget) -> None:
    # The offscreen screen is smaller than SIZE: a window fits itself to it, maximised.
    window.show()
    QTest.qWait(SETTLE_MS)
    window.setWindowState(Qt.WindowState.WindowNoState)
    window.resize(*SIZE)
    QTest.qWait(SETTLE_MS)
    if (window.width(), window.height()) != SIZE:
        raise RuntimeError(
            f"{window.objectName()} is {window.width()}x{window.height()}, not {SIZE}"
        )


def _save(window: QWidget, path: Path) -> Path:
    QTest.qWait(SETTLE_MS)
    if not window.grab().save(str(path), "PNG"):
        raise OSError(f"cannot write {path}")
    return path


def _wait_until(done: Callable[[], bool]) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError(f"the window's background work took over {TIMEOUT_S:.0f} s")
        QTest.qWait(20)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--out", type=Path, default=IMAGES, help=f"the folder to write to (default: {IMAGES})"
    )
    arguments = parser.parse_args(argv)
    for path in make_screenshots(arguments.out):
        sys.stdout.write(f"{path}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
