"""Working beside teammates: their decisions appear in this window as they are made, and the
comment open here is claimed so that their "next" passes it by.

The core's ``LogWatcher`` calls from its thread when any desk commits (LISTEN/NOTIFY on
PostgreSQL, polling on SQLite); that call only posts an event here, and the reading is done
on the window's thread, where the views are.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from sqlalchemy.exc import SQLAlchemyError

from moderator.services import claims
from moderator.services.changes import ModerationChange
from moderator.services.live import LogActivity, LogWatcher, activity_since, log_head
from ui.common.funnel import Desk
from ui.common.jobs import Job

# Kinds of entry after which the lists are read again rather than followed: new comments,
# changed flags.
REREAD_KINDS = frozenset({"import", "import-state", "flag", "unflag"})
# A desk renews its claim this often, well inside ``claims.CLAIM_TTL``; lapsed claims of
# others are dropped from view on the same beat.
RENEW_MS = 60_000
# Opening comments in quick succession (holding J) claims only the one the desk stops on.
CLAIM_SETTLE_MS = 300
# How often a reread put off by this desk's own job looks whether the job has ended.
JOB_CHECK_MS = 500
# PostgreSQL's code for a transaction given up to end a deadlock.
DEADLOCK = "40P01"


def _deadlocked(error: SQLAlchemyError) -> bool:
    return getattr(getattr(error, "orig", None), "sqlstate", None) == DEADLOCK


class LiveFeed(QObject):
    """Follows what other desks commit, and keeps this desk's claim.

    What others did reaches the views through the desk's signals (``arrived``, ``reread``,
    ``elsewhere``), beside what this desk does itself.

    Signals:
        claims_changed(dict): which comments other desks have open: {comment id: holder}.
    """

    claims_changed = Signal(object)
    _poked = Signal()
    # The desks of this process not yet stopped: a claim of this process's number held by
    # none of them was left by an earlier process that had the same number.
    _open_here: ClassVar[set[str]] = set()

    def __init__(self, desk: Desk, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._desk = desk
        # Which window this is, for the claims: one person may have two windows open.
        self.desk_id = uuid.uuid4().hex
        LiveFeed._open_here.add(self.desk_id)
        # This desk's own entries: its views followed them as they were made.
        self._own: set[int] = set()
        with desk.database.session() as session:
            self._upto = log_head(session)
        self._claimed: int | None = None
        self._claims: dict[int, str] = {}
        desk.moderated.connect(self._note_own)
        desk.behind.connect(self.refresh)
        # Others' imports or flag changes seen while this desk's own job ran: the lists are
        # read again once no job of the desk's runs (however it ended).
        self._reread_later = QTimer(self)
        self._reread_later.setInterval(JOB_CHECK_MS)
        self._reread_later.timeout.connect(self._reread_when_idle)
        # Queued: the watcher's thread only posts; the reading happens on this thread.
        self._poked.connect(self.refresh, Qt.ConnectionType.QueuedConnection)
        self._watcher = LogWatcher(desk.database, self._poked.emit)
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(CLAIM_SETTLE_MS)
        self._settle.timeout.connect(self.write_claim)
        self._wanted: int | None = None
        self._renew = QTimer(self)
        self._renew.setInterval(RENEW_MS)
        self._renew.timeout.connect(self._on_beat)

    def start(self) -> None:
        self._release_left_behind()
        self._watcher.start()
        self._renew.start()
        self.refresh()

    def stop(self) -> None:
        """Stop listening and give up this desk's claim (the window is closing)."""
        self._renew.stop()
        self._settle.stop()
        self._reread_later.stop()
        self._watcher.stop()
        self._wanted = None
        self.write_claim()
        LiveFeed._open_here.discard(self.desk_id)

    # --- following others ---------------------------------------------------------------

    def _note_own(self, change: ModerationChange) -> None:
        self._own.update(step.entry_seq for step in change.comments)

    def refresh(self) -> None:
        """Read what others committed since last time, and who has what open; tell the views."""
        try:
            with self._desk.database.session() as session:
                activity = activity_since(session, self._upto, skip=frozenset(self._own))
                claims_now = claims.claims_of_others(session, desk=self.desk_id)
        except SQLAlchemyError:
            return  # the database is busy or gone for a moment: the next call catches up
        self._own = {seq for seq in self._own if seq > activity.head}
        self._upto = activity.head
        self._follow(activity)
        holders = {comment_id: row.holder for comment_id, row in claims_now.items()}
        if holders != self._claims:
            self._claims = holders
            self.claims_changed.emit(dict(holders))

    def _follow(self, activity: LogActivity) -> None:
        if activity.empty:
            return
        if activity.overflow or activity.other & REREAD_KINDS:
            # Not now under this desk's own import or rule run (the lists would be read again
            # after each page it commits), but when it has ended.
            if not self._reread_later.isActive():
                self._reread_later.start()
            self._reread_when_idle()
            return
        for change in activity.changes:
            self._desk.arrived.emit(change)
        if activity.other - REREAD_KINDS:
            self._desk.elsewhere.emit()

    def _reread_when_idle(self) -> None:
        if any(job.running for job in self._desk.findChildren(Job)):
            return
        self._reread_later.stop()
        self._desk.reread.emit()

    # --- this desk's claim --------------------------------------------------------------

    def _release_left_behind(self) -> None:
        # A desk of the same person on this machine that was killed kept its claim: without
        # this, their own comment would read as open at another desk until the claim lapsed.
        try:
            with self._desk.database.transaction() as session:
                claims.release_left_behind(
                    session,
                    holder=self._desk.actor,
                    desk=self.desk_id,
                    desks_here=frozenset(LiveFeed._open_here),
                )
        except SQLAlchemyError:
            return  # advice only: left, the claims lapse by themselves

    def open_comment(self, comment_id: int | None) -> None:
        """The comment now open here (None: none); claimed once the desk settles on it."""
        self._wanted = comment_id
        self._settle.start()

    def write_claim(self) -> None:
        """Claim the comment open here now (or give up the claim when none is)."""
        self._settle.stop()
        wanted = self._wanted
        if wanted == self._claimed and wanted is None:
            return
        # Two desks swapping comments at once may deadlock on PostgreSQL, which gives up one
        # of them: that one tries again. Any other failure is let be: a claim is advice, and
        # a busy database must not stop the moderator (the next beat claims again).
        for attempt in range(2):
            try:
                with self._desk.database.transaction() as session:
                    if wanted is None:
                        claims.release(session, desk=self.desk_id)
                    else:
                        claims.claim(session, wanted, holder=self._desk.actor, desk=self.desk_id)
            except SQLAlchemyError as error:
                if attempt == 0 and _deadlocked(error):
                    continue
                return
            self._claimed = wanted
            return

    def _on_beat(self) -> None:
        if self._claimed is not None:
            self._wanted = self._claimed
            self.write_claim()
        # Claims lapse without a word to anyone: look again.
        self.refresh()
