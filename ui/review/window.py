"""The editors' review window: troubled threads ranked, one read in full, escalations decided."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QModelIndex, Qt
from PySide6.QtGui import QAction, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QMainWindow,
    QSplitter,
    QTableView,
    QTextBrowser,
    QToolBar,
    QWidget,
)
from sqlalchemy.exc import SQLAlchemyError

from moderator.domain import Outcome, Role
from moderator.domain.errors import ServiceError
from moderator.queries.review import ThreadItem, thread, troubled_threads
from moderator.queries.snapshots import article_locked
from moderator.services.changes import ModerationChange
from moderator.services.moderation import Seen
from ui.comments.decisions import (
    MESSAGE_MS,
    NoteTextPicker,
    ReasonPicker,
    Record,
    ask_note_text,
    done_message,
)
from ui.comments.documents import show_comment_in_context
from ui.common.funnel import Desk
from ui.common.messages import refusal, warn
from ui.dialogs.editor import EditorPicker, ask_editor_choice
from ui.dialogs.reason import pick_reason
from ui.review.models import ThreadModel, ThreadsModel

UPHOLD_TIP = "Hide it, with a reason and a note"
OVERTURN_TIP = "Publish it, with a note"
RETURN_TIP = "Back to the moderators' queue, with a note"
LOCK_TIP = "Lock (or unlock) every comment of this article against changes"
# The review window's actions: (name, text, key, what it does); the "?" window lists them too.
REVIEW_KEYS: tuple[tuple[str, str, str, str], ...] = (
    ("actionUphold", "Uphold…", "U", UPHOLD_TIP),
    ("actionOverturn", "Overturn…", "O", OVERTURN_TIP),
    ("actionReturn", "Return…", "T", RETURN_TIP),
    ("actionApproveInThread", "Approve", "A", "Publish it, as in the queue"),
    ("actionHideInThread", "Hide…", "H", "Hide it, as in the queue"),
    ("actionRestoreInThread", "Restore", "R", "Back to pending"),
    ("actionNote", "Note…", "N", "Leave a note on the comment"),
    ("actionLockArticle", "Lock Article", "Ctrl+K", LOCK_TIP),
    ("actionNextInThread", "Next", "J", "The next comment"),
    ("actionPreviousInThread", "Previous", "K", "The previous one"),
    ("actionRefreshReview", "Refresh", "F5", "Read the threads again"),
)


class ReviewWindow(QMainWindow):
    """Threads that need an editor, most urgent first; the chosen one in full, replies under
    what they answer; the selected comment with its flags and notes. No signals of its own."""

    def __init__(
        self,
        desk: Desk,
        *,
        record: Record,
        editor_picker: EditorPicker = ask_editor_choice,
        note_picker: NoteTextPicker = ask_note_text,
        reason_picker: ReasonPicker = pick_reason,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("ReviewWindow")
        self.setWindowTitle("Flagged Threads — Moderator")
        self.resize(1200, 760)
        self.desk = desk
        self._record = record
        self._editor_picker = editor_picker
        self._note_picker = note_picker
        self._reason_picker = reason_picker
        self._article_id: int | None = None
        self._locked = False

        self.threads_model = ThreadsModel(self)
        self.threadsView = self._table("reviewThreads", "Troubled threads", self.threads_model)
        self.thread_model = ThreadModel(self)
        self.threadView = self._table("reviewThread", "Thread", self.thread_model)
        self.detail = QTextBrowser(self)
        self.detail.setObjectName("reviewDetail")
        self.detail.setAccessibleName("Selected comment")
        self.detail.setOpenLinks(False)
        self.detail.setPlaceholderText("Choose a thread, then a comment.")
        self.threadsView.selectionModel().currentRowChanged.connect(self._show_thread)
        self.threadView.selectionModel().currentRowChanged.connect(self._show_comment)

        right = QSplitter(Qt.Orientation.Vertical, self)
        right.addWidget(self.threadView)
        right.addWidget(self.detail)
        right.setSizes([460, 260])
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.threadsView)
        split.addWidget(right)
        split.setSizes([500, 700])
        self.threadsView.setColumnWidth(0, 190)
        self.threadsView.setColumnWidth(2, 110)
        self.threadView.setColumnWidth(1, 140)
        self.threadView.setColumnWidth(2, 150)
        self.setCentralWidget(split)

        self.actions_by_name = self._build_actions()
        self.role_label = QLabel(self)
        self.role_label.setObjectName("reviewRole")
        self.role_label.setTextFormat(Qt.TextFormat.PlainText)
        self.statusBar().addPermanentWidget(self.role_label)

        self._stale = False
        for signal in (desk.moderated, desk.noted, desk.imported, desk.rules_ran, desk.arrived):
            signal.connect(self._changed)
        for plain in (desk.reread, desk.elsewhere):
            plain.connect(self._changed)
        desk.lock_changed.connect(self._changed)

    def _table(self, name: str, label: str, model: ThreadsModel | ThreadModel) -> QTableView:
        view = QTableView(self)
        view.setObjectName(name)
        view.setAccessibleName(label)
        view.setModel(model)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setWordWrap(False)
        view.setAlternatingRowColors(True)
        view.verticalHeader().hide()
        view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        # The widest column takes the room left: the thread's comment, the list's reasons.
        header.setSectionResizeMode(
            1 if model is self.threads_model else 0, QHeaderView.ResizeMode.Stretch
        )
        return view

    def _build_actions(self) -> dict[str, QAction]:
        toolbar = QToolBar("Review", self)
        toolbar.setObjectName("reviewToolBar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.addToolBar(toolbar)
        found: dict[str, QAction] = {}
        slots: dict[str, Callable[[], object]] = {
            "actionUphold": lambda: self.decide(Outcome.UPHOLD),
            "actionOverturn": lambda: self.decide(Outcome.OVERTURN),
            "actionReturn": lambda: self.decide(Outcome.RETURN),
            "actionApproveInThread": self.approve,
            "actionHideInThread": self.hide_current,
            "actionRestoreInThread": self.restore,
            "actionNote": self.add_note,
            "actionLockArticle": self.toggle_lock,
            "actionNextInThread": lambda: self.step(1),
            "actionPreviousInThread": lambda: self.step(-1),
            "actionRefreshReview": self.refresh,
        }
        for name, text, key, tip in REVIEW_KEYS:
            slot = slots[name]
            action = QAction(text, self)
            action.setObjectName(name)
            action.setShortcut(QKeySequence(key))
            # The key on the button, as on the desk's toolbar: a keyboard-first window teaches it.
            action.setIconText(f"{text.rstrip('…')} ({key})")
            action.setToolTip(f"{tip} ({key})")
            action.triggered.connect(slot)
            toolbar.addAction(action)
            self.addAction(action)
            found[name] = action
        return found

    # --- reading ---------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()

    def _changed(self) -> None:
        # Read again now if this is the window at work; a window behind the desk catches up
        # when it comes forward, so deciding on the desk never waits for this list.
        if self.isActiveWindow():
            self.refresh()
        else:
            self._stale = True

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow() and self._stale:
            self.refresh()

    def refresh(self) -> None:
        """Read the threads again, keeping the chosen thread and comment where they still are."""
        self._stale = False
        chosen = self.current_thread_id()
        comment = self.current_item()
        with self.desk.database.session() as session:
            self.threads_model.set_rows(troubled_threads(session))
        row = self.threads_model.row_of(chosen) if chosen is not None else None
        if chosen is not None:
            # Read again, even if resolved off the list: it stays open until another is chosen.
            self._load_thread(chosen)
            if row is not None:
                self.threadsView.setCurrentIndex(self.threads_model.index(row, 0))
        elif self.threads_model.rowCount():
            self.threadsView.setCurrentIndex(self.threads_model.index(0, 0))
        if comment is not None:
            again = self.thread_model.row_of(comment.comment.id)
            if again is not None:
                self.threadView.setCurrentIndex(self.thread_model.index(again, 0))
        editor = self.desk.role is Role.EDITOR
        self.role_label.setText(
            f"{self.desk.actor} ({self.desk.role})"
            + ("" if editor else " · deciding escalations needs the editor role")
        )
        self._enable()

    def current_thread_id(self) -> int | None:
        troubled = self.threads_model.troubled(self.threadsView.currentIndex().row())
        return self._article_id if troubled is None else troubled.article_id

    def current_item(self) -> ThreadItem | None:
        return self.thread_model.item(self.threadView.currentIndex().row())

    def _show_thread(self, current: QModelIndex, _previous: QModelIndex) -> None:
        troubled = self.threads_model.troubled(current.row())
        if troubled is not None and troubled.article_id != self._article_id:
            self._load_thread(troubled.article_id)

    def _load_thread(self, article_id: int) -> None:
        self._article_id = article_id
        with self.desk.database.session() as session:
            items = thread(session, article_id)
            self._locked = article_locked(session, article_id)
        self.thread_model.set_items(items)
        # The first escalated comment (or flagged one) is where the editor starts.
        start = next(
            (row for row, item in enumerate(items) if item.comment.escalated),
            next((row for row, item in enumerate(items) if item.comment.flags), 0),
        )
        if items:
            self.threadView.setCurrentIndex(self.thread_model.index(start, 0))
        self._enable()

    def _show_comment(self, current: QModelIndex, _previous: QModelIndex) -> None:
        item = self.thread_model.item(current.row())
        show_comment_in_context(
            self.detail, self.desk.database, None if item is None else item.comment
        )
        self._enable()

    def _enable(self) -> None:
        item = self.current_item()
        editor = self.desk.role is Role.EDITOR
        escalated = item is not None and item.comment.escalated
        for name in ("actionUphold", "actionOverturn", "actionReturn"):
            self.actions_by_name[name].setEnabled(editor and escalated)
        self.actions_by_name["actionNote"].setEnabled(item is not None)
        lock = self.actions_by_name["actionLockArticle"]
        lock.setEnabled(editor and self._article_id is not None)
        lock.setText("Unlock Article" if self._locked else "Lock Article")

    # --- acting ----------------------------------------------------------------------------

    def step(self, by: int) -> None:
        row = self.threadView.currentIndex().row() + by
        if 0 <= row < self.thread_model.rowCount():
            self.threadView.setCurrentIndex(self.thread_model.index(row, 0))

    def decide(self, outcome: Outcome) -> None:
        item = self.current_item()
        if item is None:
            return
        choice = self._editor_picker(self, outcome, 1)
        if choice is None:
            return
        ids = [item.comment.id]
        # As shown: a comment changed at another desk since is refused, saying who changed it.
        seen = {item.comment.id: item.comment.version}

        def run(seen: Seen | None) -> ModerationChange:
            return self.desk.resolve(ids, outcome, choice.note, choice.reason, seen=seen)

        try:
            change = run(seen)
        except (ServiceError, SQLAlchemyError) as error:
            warn(self, f"Cannot {outcome}", refusal(error))
            return
        self._record(change, run)
        self._say_done(change, item)

    def approve(self) -> None:
        self._as_in_queue("approve", lambda ids, seen: self.desk.approve(ids, seen=seen))

    def restore(self) -> None:
        self._as_in_queue("restore", lambda ids, seen: self.desk.restore(ids, seen=seen))

    def hide_current(self) -> None:
        if self.current_item() is None:
            return
        choice = self._reason_picker(self, 1)
        if choice is not None:
            self._as_in_queue(
                "hide",
                lambda ids, seen: self.desk.hide(ids, choice.reason, choice.note, seen=seen),
            )

    def _as_in_queue(
        self, verb: str, run: Callable[[list[int], Seen | None], ModerationChange]
    ) -> None:
        """A decision as the queue makes it, on the current comment as shown (the core says
        who may, and refuses it if another desk changed the comment since)."""
        item = self.current_item()
        if item is None:
            return
        ids = [item.comment.id]
        try:
            change = run(ids, {item.comment.id: item.comment.version})
        except (ServiceError, SQLAlchemyError) as error:
            warn(self, f"Cannot {verb}", refusal(error))
            return
        self._record(change, lambda seen: run(ids, seen))
        self._say_done(change, item)

    def _say_done(self, change: ModerationChange, item: ThreadItem) -> None:
        # By its id, as every message names a comment: its place in the thread is another's id.
        self.statusBar().showMessage(
            done_message(change, {item.comment.id: item.comment.author}), MESSAGE_MS
        )

    def add_note(self) -> None:
        item = self.current_item()
        if item is None:
            return
        text = self._note_picker(self, f"{item.comment.author}'s comment #{item.comment.id}")
        if text is None:
            return
        try:
            self.desk.note_comment(item.comment.id, text)
        except (ServiceError, SQLAlchemyError) as error:
            warn(self, "Cannot add the note", refusal(error))

    def toggle_lock(self) -> None:
        if self._article_id is None:
            return
        try:
            self.desk.set_locked(self._article_id, not self._locked)
        except (ServiceError, SQLAlchemyError) as error:
            warn(self, "Cannot lock the article", refusal(error))
