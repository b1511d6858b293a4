"""The ranker at the desk: it learns from each decision in the background (a moment after the
last one, so a run of decisions is learnt together), places the pending comments anew once it
is ready, and explains a comment's score for the detail pane from a copy kept in memory."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QObject, QTimer, Signal
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from moderator.domain.errors import ServiceError
from moderator.ranking.model import NOTHING_LEARNT, Ranker, Readiness
from moderator.runs.ranking import Learnt, learn_and_place
from moderator.services import ranking
from moderator.store.models import RankerState
from ui.common.funnel import Desk
from ui.common.jobs import Job, Progress, StopRequested

# How long after the last decision the ranker learns (decisions in a burst are learnt once).
LEARN_AFTER_MS = 2_000


class RankerKeeper(QObject):
    """Keeps the ranker learning and the pending comments placed by it.

    Until the ranker is ready (``Readiness``: enough decisions, with enough hides and kept
    among them) no comment has a score: the Likely column has nothing to show and the
    "likely" order is the rules' severity. :meth:`ready` and :meth:`state_text` say where it
    stands.

    Signals:
        placed(): the pending comments' scores changed in the database (placed anew, or taken
            away when an undo took the ranker back below ready): a queue reads its rows'
            scores again, and one in the "likely" order its rows.
        state_changed(str): after a round of learning, :meth:`state_text` as it now stands
            ("learning (7 decisions)", "ready (134 decisions)").
    """

    placed = Signal()
    state_changed = Signal(str)

    def __init__(self, desk: Desk, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._desk = desk
        self._again = False
        self._job: Job | None = None
        # The model as last read, by its revision and when it was saved (a reset starts the
        # revisions over).
        self._model: tuple[tuple[int, datetime], Ranker] | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(LEARN_AFTER_MS)
        self._timer.timeout.connect(self.learn_now)
        desk.moderated.connect(self._soon)
        desk.arrived.connect(self._soon)
        # New comments are placed too (by the ranker as it stands).
        desk.imported.connect(self._soon)
        desk.reread.connect(self._soon)

    def readiness(self) -> Readiness:
        """How far the stored ranker has got (read now: a few bytes of one row)."""
        try:
            with self._desk.database.session() as session:
                return ranking.readiness(session)
        except SQLAlchemyError:
            return NOTHING_LEARNT

    def ready(self) -> bool:
        """Whether the ranker has learnt enough for its scores to be shown."""
        return self.readiness().ready

    def state_text(self) -> str:
        """ "learning (7 decisions)" or "ready (134 decisions)"."""
        return self.readiness().text

    @property
    def learning(self) -> bool:
        return self._job is not None and self._job.running

    def stop(self) -> None:
        self._timer.stop()
        self._again = False

    def _soon(self, _change: object = None) -> None:
        self._timer.start()

    def learn_now(self) -> Job | None:
        """Learn (and place) now, in a worker thread; once more afterwards if decisions came
        meanwhile. The job, or None if one is already going."""
        self._timer.stop()
        if self.learning:
            self._again = True
            return None
        database = self._desk.database

        def work(_progress: Progress, stop: StopRequested) -> Learnt:
            return learn_and_place(database, stop)

        # The desk's child: closing the window stops and waits for it with the others.
        job = Job(work, self._desk)
        job.succeeded.connect(self._on_learnt)
        job.finished.connect(self._on_finished)
        self._job = job
        job.start()
        return job

    def _on_learnt(self, learnt: Learnt) -> None:
        placed = learnt.placed
        if placed.ranker is not None and placed.stamp is not None:
            # Read in the worker already: the detail pane need not read it again here.
            self._model = (placed.stamp, placed.ranker)
        self.state_changed.emit(placed.readiness.text)
        if placed.changed:
            self.placed.emit()

    def _on_finished(self) -> None:
        if self._again:
            self._again = False
            self.learn_now()

    def explanation(self, comment_id: int) -> str | None:
        """'Likely to be hidden: 87% ("idiot", "you people", flagged by insults)' for the
        detail pane; None while the ranker is not ready (or cannot be read)."""
        try:
            with self._desk.database.session() as session:
                stamp = session.execute(
                    select(RankerState.revision, RankerState.saved_at).where(
                        RankerState.id == ranking.RANKER_ID
                    )
                ).first()
                if stamp is None:
                    return None
                key: tuple[int, datetime] = (stamp[0], stamp[1])
                if self._model is None or self._model[0] != key:
                    model, _ = ranking.load(session)
                    self._model = (key, model)
                model = self._model[1]
                if not model.readiness.ready:
                    return None
                sample = ranking.samples_for(session, [comment_id]).get(comment_id)
        except (ServiceError, SQLAlchemyError):
            return None
        if sample is None:
            return None
        reasons = ", ".join(reason.text for reason in model.explain(sample))
        said = f" ({reasons})" if reasons else ""
        return f"Likely to be hidden: {model.score(sample):.0%}{said}"
