"""The ranker's long work over the database, a unit of work at a time: learning every
decision logged since, refitting its batch model when due (read, fit outside any write,
then put in with one short write), and placing the pending comments. The command line runs
it, and the window in a worker thread; either can be stopped between units."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from moderator.ranking import refit
from moderator.ranking.model import NOTHING_LEARNT, Ranker, Readiness
from moderator.services import ranking
from moderator.store.database import Database

StopRequested = Callable[[], bool]


@dataclass(frozen=True, slots=True)
class Placed:
    """How many pending comments were placed, by which ranker (None: none is stored), that
    ranker's stamp as stored (revision, when saved) and how far it has got; and how many had
    their scores taken away (it is not ready, after an undo took it back below the mark)."""

    count: int
    ranker: Ranker | None = None
    stamp: tuple[int, datetime] | None = None
    cleared: int = 0
    readiness: Readiness = NOTHING_LEARNT

    @property
    def changed(self) -> bool:
        """Whether any pending comment's score changed: a queue showing them reads again."""
        return bool(self.count or self.cleared)


@dataclass(frozen=True, slots=True)
class Learnt:
    """What one round did: decisions learnt, earlier ones taken back, and the placing."""

    learned: int
    forgotten: int
    placed: Placed
    # Whether the batch model was fit again this round.
    refitted: bool = False


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


def refit_now(database: Database, *, when_due: bool = True) -> bool:
    """Fit the batch model on every decision the ranker holds (``when_due``: only if it is
    due, see ``Ranker.refit_due``; else whenever enough is learnt) and store it; whether it
    was. The fit runs outside any write: decisions learnt meanwhile count towards the next."""
    with database.session() as session:
        ranker, state = ranking.load(session)
        due = ranker.refit_due if when_due else ranker.readiness.enough
        if state is None or not due:
            return False
        found = ranking.training_set(session, (ranker, state))
    if found is None:
        return False
    # Fit only on enough decisions of its own: a ranker seeded before its seeds were kept
    # counts decisions it cannot refit from.
    batch = refit.fit(found.samples, found.hidden) if found.readiness.enough else None
    with database.transaction() as session:
        installed = ranking.install_batch(
            session, batch, decisions=found.decisions, learned_from=found.learned_from
        )
    return installed is not None and batch is not None


def place_pending(
    database: Database, *, unscored_only: bool = False, stop: StopRequested = _never
) -> Placed:
    """Place the pending comments (or only those not placed yet) by the stored ranker, read
    once, a page per unit of work; while it is not ready, none has a place (any it had are
    taken away)."""
    with database.session() as session:
        ranker, state = ranking.load(session)
        placed_before = ranking.any_placed(session)
    if state is None:
        return Placed(0)
    stamp = (state.revision, state.saved_at)
    if not ranker.readiness.ready:
        cleared = 0
        if placed_before:
            with database.transaction() as session:
                cleared = ranking.unplace_pending(session)
        return Placed(0, ranker, stamp, cleared, ranker.readiness)
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
    return Placed(placed, ranker, stamp, readiness=ranker.readiness)


def learn_and_place(database: Database, stop: StopRequested = _never) -> Learnt:
    """Learn every decision logged since, refit the batch model if due, then place the
    pending comments anew (all of them if the scores changed, else those not placed yet:
    new ones). Once there is a batch model, scores change only when it is refit, or when
    an undo takes the ranker back below ready."""
    learned, forgotten, _ = learn_all(database, stop)
    refitted = not stop() and refit_now(database)
    changed = refitted or bool(forgotten)
    if learned and not refitted:
        # Without a batch model, what was learnt moves the scores (read from the header).
        with database.session() as session:
            changed |= not ranking.readiness(session).calibrated
    placed = place_pending(database, unscored_only=not changed, stop=stop)
    return Learnt(learned, forgotten, placed, refitted)
