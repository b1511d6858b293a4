"""The ranker at the desk: it learns from decisions in the background, says it is learning
until it has learnt enough, then the "likeliest to hide first" order follows, and the detail
pane says why a comment ranks where it does."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import update

from moderator.domain import Role
from moderator.queries.queue import QueueOrder
from moderator.ranking.model import READY_DECISIONS, READY_EACH
from moderator.services import ranking
from moderator.services.moderation import ensure_profile
from moderator.store.database import Database
from moderator.store.models import RankerState
from tests.ui.conftest import WORK_TIMEOUT_MS, AddArticle, Answers, press
from ui.comments.queue_model import COLUMNS, Column
from ui.desk.main_window import MainWindow
from ui.desk.queue_header import QUEUE_ORDERS
from ui.dialogs.reason import ReasonChoice

RUDE = "you are an idiot and a liar"
POLITE = "thanks for the careful reporting"
# Decisions enough for the ranker to be ready (half of them hides), and what is left pending.
ENOUGH = READY_DECISIONS + 4
PENDING = 16


@pytest.fixture
def window(
    make_window: Callable[[], MainWindow], add_article: AddArticle, database: Database
) -> MainWindow:
    add_article([f"{RUDE if n % 2 else POLITE} ({n})" for n in range(ENOUGH + PENDING)])
    return make_window()


def current_body(window: MainWindow) -> str:
    comment = window.queue.comment(window.commentQueue.currentIndex().row())
    assert comment is not None
    return comment.body


def decide_by_text(window: MainWindow, answers: Answers, qtbot: QtBot, count: int) -> None:
    """The first ``count`` decided as a moderator would: the rude hidden, the rest approved."""
    answers.reason = ReasonChoice("abuse", "")
    for _ in range(count):
        press(qtbot, window, "h" if RUDE in current_body(window) else "a")


def test_decisions_teach_the_ranker_and_the_likely_order_follows(
    window: MainWindow, answers: Answers, database: Database, qtbot: QtBot
) -> None:
    likely_column = COLUMNS.index(Column.LIKELY)
    assert window.commentQueue.isColumnHidden(likely_column)  # nothing learnt: no scores
    decide_by_text(window, answers, qtbot, ENOUGH)
    assert window.ranker._timer.isActive()
    with qtbot.waitSignal(window.ranker.placed, timeout=WORK_TIMEOUT_MS):
        window.ranker.learn_now()
    with database.session() as session:
        found = ranking.status(session)
    assert (found.decisions, found.scored_pending) == (ENOUGH, PENDING)
    assert (window.ranker.ready(), window.ranker.state_text()) == (
        True,
        f"ready ({ENOUGH} decisions)",
    )
    assert not window.commentQueue.isColumnHidden(likely_column)

    labels = [label for label, _ in QUEUE_ORDERS]
    window.queueOrder.setCurrentIndex(labels.index("Likeliest to hide first"))
    queue = window.queue.queue
    assert queue is not None
    assert queue.order is QueueOrder.LIKELY
    bodies = [window.queue.comment(row).body for row in range(window.queue.rowCount())]  # type: ignore[union-attr]
    assert [RUDE in body for body in bodies] == [True] * (PENDING // 2) + [False] * (PENDING // 2)
    likely = window.queue.index(0, COLUMNS.index(Column.LIKELY)).data()
    assert likely.endswith("%")
    assert int(likely[:-1]) > 50
    # The detail pane says how likely, and what pushed it up.
    window.decisions.select_row(0)
    detail = window.commentDetail.toPlainText()
    (said,) = [line for line in detail.splitlines() if line.startswith("Likely to be hidden: ")]
    # Words the comment has, in quotes; no runs of letters.
    assert '"idiot' in said or '"liar' in said or 'idiot"' in said
    assert "…" not in said


def test_a_placing_while_the_likely_order_is_shown_keeps_the_comment_open(
    window: MainWindow, answers: Answers, database: Database, qtbot: QtBot
) -> None:
    decide_by_text(window, answers, qtbot, ENOUGH)
    window.queueOrder.setCurrentIndex(len(QUEUE_ORDERS) - 1)
    # The last rude comment: by time it sits low; placed by the ranker it rises.
    bodies = [window.queue.comment(row).body for row in range(window.queue.rowCount())]  # type: ignore[union-attr]
    row = max(n for n, body in enumerate(bodies) if RUDE in body)
    window.decisions.select_row(row)
    open_here = current_body(window)
    with qtbot.waitSignal(window.ranker.placed, timeout=WORK_TIMEOUT_MS):
        window.ranker.learn_now()
    assert current_body(window) == open_here
    assert window.commentQueue.currentIndex().row() < row


def test_after_a_reset_the_detail_pane_says_nothing_more(
    window: MainWindow, answers: Answers, database: Database, qtbot: QtBot
) -> None:
    decide_by_text(window, answers, qtbot, ENOUGH)
    with qtbot.waitSignal(window.ranker.placed, timeout=WORK_TIMEOUT_MS):
        window.ranker.learn_now()
    comment = window.queue.comment(0)
    assert comment is not None
    assert window.ranker.explanation(comment.id) is not None
    with database.transaction() as session:
        ranking.reset(session, actor=ensure_profile(session, "ed", role=Role.EDITOR))
    assert window.ranker.explanation(comment.id) is None


def test_without_learning_there_is_no_score_and_no_word_on_it(
    window: MainWindow, database: Database
) -> None:
    assert window.ranker.explanation(1) is None
    assert "Likely to be hidden" not in window.commentDetail.toPlainText()
    # A damaged stored model is no reason to fail the pane: it just says nothing.
    with database.transaction() as session:
        editor = ensure_profile(session, "ed", role=Role.EDITOR)
        ranking.reset(session, actor=editor)
        session.execute(update(RankerState).values(model=b"junk", decisions=3))
    assert window.ranker.explanation(1) is None


def likely_texts(window: MainWindow) -> list[str]:
    column = COLUMNS.index(Column.LIKELY)
    return [window.queue.index(row, column).data() for row in range(window.queue.rowCount())]


def test_until_it_has_learnt_enough_it_says_learning_and_shows_no_score(
    window: MainWindow, answers: Answers, database: Database, qtbot: QtBot
) -> None:
    decide_by_text(window, answers, qtbot, 2 * READY_EACH)
    with (
        qtbot.assertNotEmitted(window.ranker.placed),
        qtbot.waitSignal(window.ranker.state_changed, timeout=WORK_TIMEOUT_MS) as said,
    ):
        window.ranker.learn_now()
        qtbot.waitUntil(lambda: not window.ranker.learning, timeout=WORK_TIMEOUT_MS)
    learning = f"learning ({2 * READY_EACH} decisions)"
    assert said.args == [learning]
    assert (window.ranker.ready(), window.ranker.state_text()) == (False, learning)
    assert window.ranker_label.text() == f"Ranker: {learning}"
    assert window.commentQueue.isColumnHidden(COLUMNS.index(Column.LIKELY))
    with database.session() as session:
        assert ranking.status(session).scored_pending == 0
    comment = window.queue.comment(0)
    assert comment is not None
    assert window.ranker.explanation(comment.id) is None
    assert "Likely to be hidden" not in window.commentDetail.toPlainText()
    # The likely order is the rules' until then (nothing flagged here: by time).
    window.queueOrder.setCurrentIndex(len(QUEUE_ORDERS) - 1)
    assert set(likely_texts(window)) == {""}
    assert window.statusBar().currentMessage().startswith(f"The ranker is {learning}: until")


def test_an_undo_back_below_ready_takes_the_scores_away_and_says_so(
    window: MainWindow, answers: Answers, database: Database, qtbot: QtBot
) -> None:
    decide_by_text(window, answers, qtbot, ENOUGH)
    with qtbot.waitSignal(window.ranker.placed, timeout=WORK_TIMEOUT_MS):
        window.ranker.learn_now()
    for _ in range(ENOUGH - READY_DECISIONS + 1):
        window.decisions.undo()
    said: list[str] = []
    window.ranker.state_changed.connect(said.append)
    # The scores taken away are a change the queue must follow, as scores placed are.
    with qtbot.waitSignal(window.ranker.placed, timeout=WORK_TIMEOUT_MS):
        window.ranker.learn_now()
    assert said == [f"learning ({READY_DECISIONS - 1} decisions)"]
    assert not window.ranker.ready()
    with database.session() as session:
        assert ranking.status(session).scored_pending == 0


def test_once_ready_the_scores_show_in_every_order_without_a_restart(
    window: MainWindow, answers: Answers, qtbot: QtBot
) -> None:
    queue = window.queue.queue
    assert queue is not None
    assert queue.order is not QueueOrder.LIKELY
    decide_by_text(window, answers, qtbot, ENOUGH)
    with qtbot.waitSignal(window.ranker.placed, timeout=WORK_TIMEOUT_MS):
        window.ranker.learn_now()
    assert not window.commentQueue.isColumnHidden(COLUMNS.index(Column.LIKELY))
    shown = likely_texts(window)
    assert len(shown) == PENDING
    assert all(text.endswith("%") for text in shown)
