"""The ranker's long work over the database, a unit of work at a time: learning every
decision logged since, and placing the pending comments. The command line runs it, and the
window in a worker thread; either can be stopped between units."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from moderator.ranking.model import Ranker
from moderator.services import ranking
from moderator.storage import Database

StopRequested = Callable[[], bool]


@dataclass(frozen=True, slots=True)
class Placed:
    """How many pending comments were placed, by which ranker (None: none has learnt
    anything), and that ranker's stamp as stored (revision, when saved)."""

    count: int
    ranker: Ranker | None = None
    stamp: tuple[int, datetime] | None = None


@dataclass(frozen=True, slots=True)
class Learnt:
    """What one round did: decisions learnt, earlier ones taken back, and the placing."""

    learned: int
    forgotten: int
    placed: Placed


def _never() -> bool:
    return False


def learn_all(database: Database, stop: StopRequested = _never) -> tuple[int, int, int]:
    """Learn every decision logged since: (learned, taken back, decisions the ranker holds)."""
    learned = forgotten = decisions = 0
    while not stop():
        with database.transaction() as session:
            report = ranking.learn_from_log(session)
        learned += report.learned
        forgotten += report.forgotten
        decisions = report.decisions
        if not report.more:
            break
    return learned, forgotten, decisions


def place_pending(
    database: Database, *, unscored_only: bool = False, stop: StopRequested = _never
) -> Placed:
    """Place the pending comments (or only those not placed yet) by the stored ranker, read
    once, a page per unit of work."""
    with database.session() as session:
        ranker, state = ranking.load(session)
    if state is None or not ranker.decisions:
        return Placed(0)
    placed, after = 0, 0
    while not stop():
        with database.transaction() as session:
            page = ranking.score_pending(
                session, after_id=after, unscored_only=unscored_only, ranker=ranker
            )
        if page is None:
            break
        after, count = page
        placed += count
    return Placed(placed, ranker, (state.revision, state.saved_at))


def learn_and_place(database: Database, stop: StopRequested = _never) -> Learnt:
    """Learn every decision logged since, then place the pending comments anew (all of them
    if anything was learnt, else those not placed yet: new ones)."""
    learned, forgotten, _ = learn_all(database, stop)
    changed = bool(learned or forgotten)
    return Learnt(learned, forgotten, place_pending(database, unscored_only=not changed, stop=stop))
