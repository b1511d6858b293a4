"""The main window: articles, the article's text, its comment queue and the current comment."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QTextBrowser,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from moderator.domain import ActionKind
from moderator.imports.importer import ImportReport
from moderator.log.anchor import AnchorError, save_head_if_chosen
from moderator.output.display import one_line
from moderator.queries.queue import QueueOrder, TabCounts, count_tabs, in_queue
from moderator.queries.snapshots import CommentRow, get_article
from moderator.resources import DEMO_ARTICLE
from moderator.services.changes import ModerationChange
from moderator.services.moderation import may_apply
from ui.comments.decisions import (
    Decisions,
    NotePicker,
    NoteTextPicker,
    ReasonPicker,
    arrived_message,
    ask_escalation_note,
    ask_note_text,
)
from ui.comments.documents import show_article
from ui.comments.queue_model import COLUMNS, Column, CommentQueueModel
from ui.comments.queue_view import CommentQueueView, Targets
from ui.common.funnel import Desk
from ui.common.jobs import Job, stop_and_wait
from ui.common.live import LiveFeed
from ui.common.window_layout import fit_to_screen, restore_layout, save_layout
from ui.desk import keymap
from ui.desk.article_model import ArticleListModel, totals
from ui.desk.article_panel import ArticlePanel
from ui.desk.detail_pane import DetailPane
from ui.desk.empty_state import EmptyStatePanel
from ui.desk.import_flow import FilePicker, ImportFlow, dropped_paths, pick_files
from ui.desk.insights_access import InsightsAccess
from ui.desk.key_help import KeyHelp
from ui.desk.log_access import LogAccess
from ui.desk.queue_header import QUEUE_TABS, QueueHeader
from ui.desk.ranker_keeper import RankerKeeper
from ui.desk.review_access import ReviewAccess
from ui.desk.rules_menu import RuleFilePicker, RulesMenu, pick_rule_file
from ui.dialogs.editor import EditorPicker, ask_editor_choice
from ui.dialogs.profile import SwitchPicker, ask_switch, switch_profile_action
from ui.dialogs.reason import pick_reason
from ui.dialogs.settings import SettingsAsker, ask_settings, saved_message
from ui.insights.window import SavePicker, ask_save_path
from ui.log.export_flow import ExportChooser, ask_export
from ui.log.window import RevertConfirmer, confirm_revert

# The decisions' actions, and the kind of decision each makes.
DECIDING = {
    "actionApprove": ActionKind.APPROVE,
    "actionHide": ActionKind.HIDE,
    "actionRestore": ActionKind.RESTORE,
    "actionEscalate": ActionKind.ESCALATE,
}
DECISIONS = tuple(DECIDING)
# Below this width the status bar keeps its room for messages (the counts label hides).
NARROW_WIDTH = 1200
# The selected comments the detail pane lists (and the buttons are judged by) at most.
LISTED_AT_MOST = 50
# Window geometry and splitter positions, kept between sessions.
SAVED_SPLITTERS = ("mainSplitter", "queueSplitter")


class MainWindow(QMainWindow):
    """The desk: pick an article on the left, read it in the middle, decide on the right.

    Every write goes through the Desk; the models and this window follow its ``moderated`` and
    ``imported`` signals. No signals of its own.
    """

    # While the queue follows a decision row by row: the detail pane waits for the end.
    _following = False
    # Where the comment after the shown one is, when the shown one is leaving the queue.
    _landing: QPersistentModelIndex | None = None

    def __init__(
        self,
        desk: Desk,
        *,
        reason_picker: ReasonPicker = pick_reason,
        note_picker: NotePicker = ask_escalation_note,
        file_picker: FilePicker = pick_files,
        rule_file_picker: RuleFilePicker = pick_rule_file,
        profile_picker: SwitchPicker = ask_switch,
        export_chooser: ExportChooser = ask_export,
        revert_confirmer: RevertConfirmer = confirm_revert,
        editor_picker: EditorPicker = ask_editor_choice,
        note_text_picker: NoteTextPicker = ask_note_text,
        settings_asker: SettingsAsker = ask_settings,
        save_picker: SavePicker = ask_save_path,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("MainWindow")
        self.desk = desk
        self._set_title(None)
        self._settings_asker = settings_asker
        self.importer = ImportFlow(self, desk, file_picker)
        self.setAcceptDrops(True)
        self._article_id: int | None = None
        self._shown_comment: CommentRow | None = None
        # What the detail pane shows now (one comment, or the selection's listed comments).
        self._shown: object = None
        # Why each decision that is off cannot apply to the selection, said when its key is
        # pressed anyway.
        self._why_not: dict[str, str] = {}
        # With a search, what each tab holds of it (the tabs count the search, not the article).
        self._search_counts: TabCounts | None = None
        # Whether the queue shows every article's comments ("All articles").
        self._all = False
        self._shown_article: int | None = None
        self._shown_title = ""

        self.articles = ArticleListModel(desk.database, self)
        self.queue = CommentQueueModel(desk.database, self)
        self.live = LiveFeed(desk, self)
        self.ranker = RankerKeeper(desk, self)
        self._follow(desk)

        self.log = LogAccess(
            self, desk, self.go_to_comment, chooser=export_chooser, confirm=revert_confirmer
        )
        self.insights = InsightsAccess(
            self,
            desk,
            self.go_to_comment,
            self.article_panel_select,
            save_picker=save_picker,
        )
        self.commentQueue = CommentQueueView(self.queue, self)
        self.decisions = Decisions(
            self,
            desk,
            self.queue,
            self.commentQueue,
            reason_picker=reason_picker,
            note_picker=note_picker,
        )
        decisions = self.decisions
        self.review = ReviewAccess(
            self,
            desk,
            decisions,
            lambda: self._shown_comment,
            reason_picker=reason_picker,
            editor_picker=editor_picker,
            note_picker=note_text_picker,
        )
        self.action_map = keymap.build_actions(
            self,
            {
                "actionApprove": decisions.approve,
                "actionHide": decisions.hide,
                "actionRestore": decisions.restore,
                "actionEscalate": decisions.escalate,
                "actionUndo": decisions.undo,
                "actionRedo": decisions.redo,
                "actionNext": lambda: decisions.move(1),
                "actionPrevious": lambda: decisions.move(-1),
                "actionImport": self.import_files,
                "actionKeys": self.show_keys,
                "actionSearch": self.focus_search,
                "actionLog": self.log.show,
                "actionInsights": self.insights.show,
                "actionReview": self.review.show,
                "actionNote": self.review.note_comment,
                "actionNoteAuthor": self.review.note_author,
                "actionAuthor": self.review.show_author,
                "actionExportLog": self.log.export,
                "actionSettings": self.show_settings,
                **{
                    f"actionQueue{tab.title}": functools.partial(self.select_queue_tab, index)
                    for index, tab in enumerate(QUEUE_TABS)
                },
            },
        )
        decisions.follow(self.action_map["actionUndo"], self.action_map["actionRedo"])
        self._build_menus_and_toolbar()
        self.rules_menu = RulesMenu(self, desk, file_picker=rule_file_picker)
        self.menus["&File"].addSeparator()
        self.menus["&File"].addAction(
            switch_profile_action(self, desk, self._update_counts, profile_picker)
        )

        self.empty_state = EmptyStatePanel(self)
        self.empty_state.demoRequested.connect(self.open_demo)
        self.empty_state.importRequested.connect(self.import_files)
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.empty_state)
        self.pages.addWidget(self._build_desk())
        self.setCentralWidget(self.pages)

        self._build_status_bar()

        self._follow_the_queue()

        self.articles.reload()
        self._show_likely_column()
        self._show_targets(again=True)
        self.commentQueue.setFocus()
        fit_to_screen(self, preferred=(1280, 800))
        self._share_width()
        restore_layout(self, SAVED_SPLITTERS)
        fit_to_screen(self)

    def _follow(self, desk: Desk) -> None:
        # Models first, so the window's own slots see them already updated.
        desk.moderated.connect(self.articles.apply_change)
        desk.moderated.connect(self._follow_change)
        # Before the queue's view exists: its selection model moves the current row off a row
        # being removed, and this must see where it was.
        self.queue.rowsAboutToBeRemoved.connect(self._on_queue_rows_leaving)
        desk.imported.connect(self.articles.on_imported)
        desk.imported.connect(self._on_imported)
        # A run of the rules may flag or hide anywhere: both lists read the database again.
        desk.rules_ran.connect(self.articles.reload)
        desk.rules_ran.connect(self.queue.reload)
        desk.noted.connect(self._on_noted)
        desk.moderated.connect(self._follow_search_counts)
        desk.arrived.connect(self._follow_search_counts)
        # Teammates' decisions, followed as this desk's own are; their claims shown.
        # Said first: the message names the comments while the queue still holds them.
        desk.arrived.connect(self._on_arrived)
        desk.arrived.connect(self.articles.apply_change)
        desk.arrived.connect(self._follow_change)
        desk.reread.connect(self._reread)
        desk.elsewhere.connect(self._on_noted)
        self.live.claims_changed.connect(self.queue.set_claims)
        self.live.claims_changed.connect(self._on_noted)
        self.ranker.placed.connect(self._on_placed)
        self.ranker.state_changed.connect(self._show_ranker_state)

    def _follow_the_queue(self) -> None:
        self.articles.modelReset.connect(self._on_articles_reset)
        self.articles.dataChanged.connect(self._update_counts)
        self.queue.modelReset.connect(self._on_queue_reset)
        self.queue.dataChanged.connect(self._on_queue_data_changed)
        self.queue.rowsRemoved.connect(self._on_queue_rows_removed)
        self.article_panel.chosen.connect(self._choose)
        # The detail pane and the decisions' buttons show what a decision would act on.
        selection = self.commentQueue.selectionModel()
        selection.selectionChanged.connect(self._show_targets)
        selection.currentChanged.connect(self._show_targets)
        self.commentQueue.typed.connect(self._on_typed)
        self.commentQueue.clearing.connect(self._on_queue_escape)
        # Out of a text field, the keys go back to the queue.
        self.searchBox.returnPressed.connect(self.commentQueue.setFocus)
        self.queue_header.left.connect(self.commentQueue.setFocus)
        self.article_panel.left.connect(self.commentQueue.setFocus)
        self.article_panel.view.clicked.connect(self._on_article_clicked)

    # --- layout --------------------------------------------------------------------------

    def _build_menus_and_toolbar(self) -> None:
        toolbar = QToolBar("Actions", self)
        toolbar.setObjectName("mainToolBar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.addToolBar(toolbar)
        self.menus = keymap.populate(self, toolbar, self.action_map)
        # On a narrow screen the actions that do not fit go behind this button.
        for button in toolbar.findChildren(QToolButton, "qt_toolbar_ext_button"):
            button.setAccessibleName("More actions")

    def _set_title(self, subject: str | None) -> None:
        if self.desk.database.read_only is not None:
            subject = f"{subject} (read-only)" if subject else "Read-only"
        # Ends in the application's name, or the window system adds it a second time.
        self.setWindowTitle(f"{subject} — Moderator" if subject else "Moderator")

    def _build_status_bar(self) -> None:
        self.counts_label = QLabel(self)
        self.counts_label.setObjectName("statusCounts")
        self.acting_label = QLabel(self)
        self.acting_label.setObjectName("actingAs")
        self.ranker_label = QLabel(self)
        self.ranker_label.setObjectName("rankerState")
        self.ranker_label.setToolTip(
            "The ranker learns from this desk's decisions which comments are likely to be "
            "hidden; it places and scores comments once it has learnt enough to mean something."
        )
        labels = [self.counts_label, self.ranker_label, self.acting_label]
        why = self.desk.database.read_only
        if why is not None:
            # Said up front, not first at the moment a decision is refused.
            self.read_only_label = QLabel("Read-only: decisions cannot be saved", self)
            self.read_only_label.setObjectName("readOnly")
            self.read_only_label.setToolTip(
                f"The database can be read but not written: {why}. Everything can be read;"
                " to decide, open a database you may write to (File → Settings…)."
            )
            labels.insert(0, self.read_only_label)
        for label in labels:
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setContentsMargins(8, 0, 8, 0)
            self.statusBar().addPermanentWidget(label)
        self.statusBar().addPermanentWidget(self.log.badge)

    def _build_desk(self) -> QWidget:
        self.article_panel = ArticlePanel(self.articles, self)
        self.articleList = self.article_panel.view
        self.queue_header = QueueHeader(self)
        self.queueTabs = self.queue_header.tabs
        self.searchBox = self.queue_header.search_box
        self.queueOrder = self.queue_header.order_box
        self.queue_header.changed.connect(self._on_queue_choice_changed)

        self.articleView = QTextBrowser(self)
        self.articleView.setObjectName("articleView")
        self.articleView.setAccessibleName("Article text")
        self.articleView.setOpenLinks(False)
        self.articleView.setPlaceholderText("Select an article to read it here.")

        queue_splitter = QSplitter(Qt.Orientation.Vertical, self)
        queue_splitter.setObjectName("queueSplitter")
        # Right-click offers what the keys do, on the selected comments.
        self.commentQueue.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.commentQueue.addActions([self.action_map[name] for name in DECISIONS])
        queue_splitter.addWidget(self.commentQueue)
        queue_splitter.addWidget(self._build_detail())
        queue_splitter.setSizes([400, 300])

        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.setSpacing(2)
        right_layout.addWidget(self.queue_header)
        right_layout.addWidget(queue_splitter)

        splitter = self.main_splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.setObjectName("mainSplitter")
        splitter.setChildrenCollapsible(False)
        for widget in (self.article_panel, self.articleView, right):
            splitter.addWidget(widget)
        splitter.setStretchFactor(1, 2)
        splitter.setStretchFactor(2, 3)
        # The queue gets the most room; on a small screen the article's text gives way first.
        splitter.setSizes([200, 340, 740])
        return splitter

    def _share_width(self) -> None:
        """The first time, share the window's width: the queue gets most, the article list
        as little as keeps titles readable (a layout the user made is restored after this)."""
        splitter = self.main_splitter
        width = self.width()
        articles = max(170, width * 15 // 100)
        text = width * 27 // 100
        splitter.setSizes([articles, text, width - articles - text])

    def _build_detail(self) -> QWidget:
        self.detail = DetailPane(
            self.desk.database, [self.action_map[name] for name in DECISIONS], self
        )
        self.commentDetail = self.detail.view
        return self.detail

    # --- decisions ---------------------------------------------------------------------

    def selected_ids(self) -> list[int]:
        """The selected comments' ids in queue order, or the current one's."""
        return self.decisions.selected_ids()

    def focus_search(self) -> None:
        self.queue_header.focus_search()

    def _on_queue_escape(self) -> None:
        # Escape in a field comes back to the queue (see the header); Escape on the queue
        # clears a search.
        if self.queue_header.search:
            self.queue_header.clear_search()
            self.statusBar().showMessage("Search cleared", 5000)

    def _on_article_clicked(self) -> None:
        # A click picks the article; the keys then belong to its queue (arrows in the list
        # still move through the articles, as the list keeps focus when moved by keys).
        self.commentQueue.setFocus()

    def _on_typed(self, text: str) -> None:
        """A key the queue did not take: if it is a decision's that cannot apply, say why."""
        for binding in keymap.KEYMAP:
            if binding.shortcut.lower() == text.lower() and binding.name in self._why_not:
                self.statusBar().showMessage(self._why_not[binding.name], 8000)
                return

    def select_queue_tab(self, index: int) -> None:
        self.queueTabs.setCurrentIndex(index)
        self.commentQueue.setFocus()

    def show_settings(self) -> None:
        if self._settings_asker(self, self.desk.database.url):
            self.statusBar().showMessage(saved_message(), 10000)

    def show_keys(self) -> KeyHelp:
        """The "?" window; it closes with Escape and goes away when closed."""
        dialog = KeyHelp(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    # --- import --------------------------------------------------------------------------

    def open_demo(self) -> None:
        self.import_paths([DEMO_ARTICLE])

    def import_files(self) -> None:
        self.importer.pick_and_import()

    def import_paths(self, paths: Sequence[Path]) -> Job | None:
        """Import in the background (see ImportFlow); the lists follow when it is done."""
        return self.importer.start(paths)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dropped_paths(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = dropped_paths(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.import_paths(paths)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        # On a narrow window the status bar's messages need the room: the article's counts
        # (the tabs say them too) give way.
        self.counts_label.setVisible(self.width() >= NARROW_WIDTH)

    def closeEvent(self, event: QCloseEvent) -> None:
        # No more learning rounds; the one going (a job of the desk's) is waited for below.
        self.ranker.stop()
        # The desk holds every job until its thread ends. The file being imported (or the
        # page being checked) finishes, each all-or-nothing; the rest wait.
        stop_and_wait(self.desk)
        # The window's own (the log's check, exports): an export stopped leaves nothing.
        stop_and_wait(self)
        # The other windows go with the desk (they would keep the application running).
        self.log.close()
        self.insights.close()
        self.review.close()
        self.live.stop()
        save_layout(self, SAVED_SPLITTERS)
        # A copy of the log's head outside the database, if the user chose a folder for it
        # (settings: anchor_folder); the window is going, so a failure cannot be shown.
        with contextlib.suppress(AnchorError):
            save_head_if_chosen(self.desk.database)
        super().closeEvent(event)

    def _on_imported(self, report: ImportReport) -> None:
        chosen = (self._article_id, self._all)
        if report.imported:
            self.select_article(report.imported[0].article_id)
        # A queue chosen anew has just been read; one still chosen reads what the import added.
        if (self._article_id, self._all) == chosen:
            self.queue.on_imported(report)

    # --- following the models ------------------------------------------------------------

    def article_panel_select(self, article_id: int) -> None:
        """Open an article on the desk (its queue, its text)."""
        self.article_panel.select_article(article_id)
        self.commentQueue.setFocus()

    def go_to_comment(self, comment_id: int, article_id: int) -> None:
        """Show a comment on the desk, whatever its status: its article, the All queue, its row."""
        if self.article_panel.showing_all or self._article_id != article_id:
            self.article_panel.select_article(article_id)
        self.select_queue_tab(len(QUEUE_TABS) - 1)
        row = self.queue.place_of(comment_id)
        if row is None:
            self.statusBar().showMessage(f"Comment #{comment_id} is not in this queue", 8000)
            return
        self.commentQueue.select_row(row)
        self.commentQueue.scrollTo(
            self.queue.index(row, 0), QAbstractItemView.ScrollHint.PositionAtCenter
        )
        self.commentQueue.setFocus()

    def select_article(self, article_id: int) -> None:
        if self.article_panel.select_article(article_id):
            self.commentQueue.setFocus()

    def _on_articles_reset(self) -> None:
        empty = self.articles.rowCount() == 0
        self.pages.setCurrentIndex(0 if empty else 1)
        if empty:
            self._choose(None)
            self._update_counts()
            self.empty_state.demo_button.setFocus()
            return
        if not self._all:
            # A reset forgets the current row; keep reading the same article if still there.
            self.article_panel.select_article(self._article_id)
        # Counts may have changed (an import added comments) even when the article did not.
        self._update_counts()

    def _choose(self, article_id: int | None) -> None:
        """Show one article and its queue, or (None while "All articles") every queue."""
        showing_all = self.article_panel.showing_all and self.articles.rowCount() > 0
        if article_id == self._article_id and showing_all == self._all:
            return
        self._article_id, self._all = article_id, showing_all
        self.commentQueue.setColumnHidden(COLUMNS.index(Column.ARTICLE), not showing_all)
        self._show_status_column()
        self._show_article(article_id)
        self._set_title(
            "All articles" if showing_all else self._shown_title if article_id is not None else None
        )
        self._update_counts()
        self._load_queue()

    def _show_article(self, article_id: int | None) -> None:
        if article_id == self._shown_article and article_id is not None:
            return
        self._shown_article = article_id
        detail = None
        if article_id is not None:
            with self.desk.database.session() as session:
                detail = get_article(session, article_id)
        show_article(self.articleView, detail)
        self._shown_title = one_line(detail.title, 200) if detail else ""

    def _show_status_column(self) -> None:
        # Every tab but All holds one status: a column saying it on every row says nothing.
        one_status = self.queue_header.tab.status is not None
        self.commentQueue.setColumnHidden(COLUMNS.index(Column.STATUS), one_status)

    def _on_queue_choice_changed(self) -> None:
        self._show_status_column()
        self._load_queue()
        queue = self.queue.queue
        if queue is not None and queue.order is QueueOrder.LIKELY:
            readiness = self.ranker.readiness()
            if not readiness.ready:
                self.statusBar().showMessage(
                    f"The ranker is {readiness.text}: until it is ready, the likeliest-first "
                    "order puts the gravest flags first",
                    10_000,
                )
        search = self.queue_header.search
        if search:
            found = self.queue.total
            noun = "comment matches" if found == 1 else "comments match"
            self.statusBar().showMessage(f"{found:,} {noun} '{search}'", 8000)

    def _load_queue(self) -> None:
        if self._article_id is None and not self._all:
            self.queue.set_queue(None)
        else:
            self.queue.set_queue(self.queue_header.queue_for(self._article_id))

    def _count_search(self) -> None:
        queue = self.queue.queue
        self._search_counts = None
        if queue is not None and queue.search:
            with self.desk.database.session() as session:
                self._search_counts = count_tabs(session, queue)
        self._update_counts()

    def _follow_search_counts(self, change: ModerationChange) -> None:
        """A decision moves comments between the search's tabs: those the search holds."""
        queue, counts = self.queue.queue, self._search_counts
        if queue is None or counts is None:
            return
        with self.desk.database.session() as session:
            found = set(in_queue(session, replace(queue, flagged=False), list(change.comment_ids)))
        for step in change.comments:
            if step.comment_id in found and step.from_status != step.to_status:
                counts = counts.moved(step.from_status, step.to_status, flagged=step.flagged)
        self._search_counts = counts
        self._update_counts()

    def _on_queue_reset(self) -> None:
        self._count_search()
        if self.queue.rowCount():
            self.decisions.select_row(0)
        else:
            self._show_targets()

    def _follow_change(self, change: ModerationChange) -> None:
        """The queue follows a decision (this desk's or another's) a row at a time, and a bulk
        one moves thousands: what the detail pane shows is worked out once, at the end."""
        self._following = True
        try:
            self.queue.apply_change(change)
        finally:
            self._following = False
        self._after_rows_left()

    def _on_queue_rows_leaving(self, _parent: QModelIndex, first: int, last: int) -> None:
        # Qt makes the row above a removed current row current; the moderator works down the
        # queue, so the comment after it is the one to show next (unless it is leaving too).
        landing = self._landing
        marker = landing if landing is not None else self.commentQueue.currentIndex()
        if marker.isValid() and first <= marker.row() <= last:
            after = self.queue.index(last + 1, 0)
            self._landing = QPersistentModelIndex(after) if after.isValid() else None

    def _on_queue_rows_removed(self) -> None:
        if not self._following:
            self._after_rows_left()

    def _after_rows_left(self) -> None:
        # When the shown comment has left (another desk decided it), the view made another row
        # current without selecting it: select the next one, so what is shown is what is decided.
        landing, self._landing = self._landing, None
        current = self.commentQueue.currentIndex()
        if self.commentQueue.selectionModel().hasSelection():
            self._show_targets()
        elif landing is not None and landing.isValid():
            self.commentQueue.select_row(landing.row())
        elif current.isValid():
            self.commentQueue.select_row(current.row())
        else:
            self._show_targets()

    def _on_queue_data_changed(self, top_left: QModelIndex, bottom_right: QModelIndex) -> None:
        # Only rows the detail pane shows matter; showing them again when unchanged is skipped.
        targets = self.commentQueue.targets(LISTED_AT_MOST)
        if any(top_left.row() <= row <= bottom_right.row() for row in targets.rows):
            self._show_targets()

    def _on_arrived(self, change: ModerationChange) -> None:
        authors = self.queue.authors(change.comment_ids)
        self.statusBar().showMessage(arrived_message(change, authors), 8000)

    def _show_likely_column(self) -> None:
        # An empty column says nothing, and scores learnt from a handful of decisions are
        # noise: they show once the ranker is ready; until then the status bar says how far.
        readiness = self.ranker.readiness()
        self.commentQueue.setColumnHidden(COLUMNS.index(Column.LIKELY), not readiness.ready)
        self._show_ranker_state(readiness.text)

    def _show_ranker_state(self, text: str) -> None:
        self.ranker_label.setText(f"Ranker: {text}")

    def _on_placed(self) -> None:
        self._show_likely_column()
        # The ranker placed the pending comments anew: a queue in its order follows.
        queue = self.queue.queue
        if queue is not None and queue.order is QueueOrder.LIKELY:
            self._reread(articles=False)
        else:
            self.queue.refresh_scores()

    def _reread(self, *, articles: bool = True) -> None:
        """Read the queue (and the articles) again (others imported, or changed more than
        can be followed), keeping the comment open here where it still is in the queue."""
        current = self.commentQueue.currentIndex()
        shown = self.queue.comment_id(current.row()) if current.isValid() else None
        if articles:
            self.articles.reload()
        self.queue.reload()
        row = None if shown is None else self.queue.place_of(shown)
        if row is not None:
            self.decisions.select_row(row)

    def _on_noted(self, _change: object = None) -> None:
        # A note (or a claim) shows in the detail pane at once.
        self._show_targets(again=True)

    def _show_targets(self, *_signal: object, again: bool = False) -> None:
        """Show what a decision would act on now (the queue's one rule): one comment in full,
        or the selected comments listed; and turn on the decisions that can apply to them."""
        if self._following:
            return
        targets = self.commentQueue.targets(LISTED_AT_MOST)
        listed = [c for row in targets.rows if (c := self.queue.comment(row)) is not None]
        comment = listed[0] if targets.count == 1 and listed else None
        # The search too: its words are lit in the comment shown.
        search = self.queue_header.search
        shown = (targets.count, tuple(listed), self.queue.rowCount() == 0, search)
        if shown == self._shown and not again:
            return
        self._shown = shown
        self._shown_comment = comment
        self.live.open_comment(None if comment is None else comment.id)
        if targets.count > 1:
            self.detail.show_selection(listed, targets.count)
        else:
            self.detail.show_comment(
                comment,
                queue_empty=not self.queue.rowCount(),
                claimed_by=None if comment is None else self.queue.claimed_by(comment.id),
                likely=None if comment is None else self.ranker.explanation(comment.id),
                search=search,
            )
        if self._all:
            # Across articles, the middle shows the article the (first) comment answers.
            self._show_article(listed[0].article_id if listed else None)
        self._enable_decisions(targets, listed)
        for name in ("actionNext", "actionPrevious"):
            self.action_map[name].setEnabled(self.queue.rowCount() > 0)
        for name in ("actionNote", "actionNoteAuthor", "actionAuthor"):
            self.action_map[name].setEnabled(comment is not None)
        if targets.count > 1:
            self._why_not["actionNote"] = (
                f"A note is on one comment, and {targets.count:,} are selected: "
                "J or K goes back to one"
            )

    def _enable_decisions(self, targets: Targets, listed: list[CommentRow]) -> None:
        """A decision is on when it applies to every comment listed (the services decide a
        selection all or nothing); off, with the reason kept for when its key is pressed."""
        self._why_not = {}
        for name, kind in DECIDING.items():
            verb = str(kind)
            if not listed:
                empty = not self.queue.rowCount()
                why = f"Nothing to {verb}: " + (
                    "this queue is empty" if empty else "no comment is selected"
                )
            else:
                blocked = [
                    c for c in listed if not may_apply(kind, c.status, escalated=c.escalated)
                ]
                why = "" if not blocked else _why_not(kind, blocked[0], targets.count)
            self.action_map[name].setEnabled(not why)
            if why:
                self._why_not[name] = why

    def _update_counts(self) -> None:
        row = self.articles.row_of(self._article_id) if self._article_id is not None else None
        article = self.articles.article(row) if row is not None else None
        if self._all:
            article = totals(self.articles.articles)
        self.queue_header.show_counts(self._search_counts or article)
        self.counts_label.setText(
            f"{article.comments:,} comments · {article.pending:,} pending · "
            f"{article.approved:,} approved · {article.hidden:,} hidden"
            if article
            else ""
        )
        self.acting_label.setText(f"Acting as {self.desk.actor} ({self.desk.role})")


def _why_not(kind: ActionKind, comment: CommentRow, count: int) -> str:
    """ "Cannot restore #12: it is already pending" (or, for a selection, which one stops it)."""
    escalated = kind is ActionKind.ESCALATE
    state = "already escalated to an editor" if escalated else f"already {comment.status}"
    if count == 1:
        return f"Cannot {kind} #{comment.id}: it is {state}"
    return f"Cannot {kind} these {count:,} comments: #{comment.id} is {state}"
