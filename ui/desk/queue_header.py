"""Above the queue: its tabs (with counts), a search box and the order; what the queue shows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QTabBar, QVBoxLayout, QWidget

from moderator.domain import Status
from moderator.queries.queue import QueueFilter, QueueOrder
from ui.common.text_fields import on_escape


class Counts(Protocol):
    """What the tabs count: an article's comments (``ArticleRow``), or a search's
    (``TabCounts``)."""

    @property
    def pending(self) -> int: ...
    @property
    def flagged_pending(self) -> int: ...
    @property
    def approved(self) -> int: ...
    @property
    def hidden(self) -> int: ...
    @property
    def comments(self) -> int: ...


@dataclass(frozen=True, slots=True)
class QueueTab:
    """One tab over the article's queue: which comments it shows, and its count."""

    title: str
    status: Status | None  # None: every status
    flagged: bool
    count: Callable[[Counts], int]
    # What the tab shows, in words, for its key's line of help.
    shows: str


# In order; keys 1 to 5 choose them. Flagged holds the pending comments a rule flagged.
QUEUE_TABS: tuple[QueueTab, ...] = (
    QueueTab(
        "Pending", Status.PENDING, False, lambda article: article.pending, "the pending comments"
    ),
    QueueTab(
        "Flagged",
        Status.PENDING,
        True,
        lambda article: article.flagged_pending,
        "the pending comments a rule flagged",
    ),
    QueueTab(
        "Approved",
        Status.APPROVED,
        False,
        lambda article: article.approved,
        "the approved comments",
    ),
    QueueTab("Hidden", Status.HIDDEN, False, lambda article: article.hidden, "the hidden comments"),
    QueueTab(
        "All", None, False, lambda article: article.comments, "every comment, whatever its status"
    ),
)
# The queue's orders, as offered under its tabs.
QUEUE_ORDERS = (
    ("By time", QueueOrder.TIME),
    ("Gravest flags first", QueueOrder.SEVERITY),
    # The ranker learnt from this desk's decisions; by severity until it has learnt.
    ("Likeliest to hide first", QueueOrder.LIKELY),
)
# Searching every article reads every comment: the search waits for a pause in the typing.
SEARCH_PAUSE_MS = 300


class QueueHeader(QWidget):
    """The tabs on a row of their own (all five keep their room), then search and order.

    Signals:
        changed(): the queue should be read again (another tab, order or search).
        left(): Escape in the search box: the keys go back to the queue (the search stays;
            Escape on the queue clears it).
    """

    changed = Signal()
    left = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Queue tabs, search and order")
        self.tabs = QTabBar(self)
        self.tabs.setObjectName("queueTabs")
        self.tabs.setAccessibleName("Queues")
        self.tabs.setExpanding(False)
        self.tabs.setDrawBase(False)
        for tab in QUEUE_TABS:
            self.tabs.addTab(tab.title)
        self.tabs.currentChanged.connect(self.changed)

        self.search_box = QLineEdit(self)
        self.search_box.setObjectName("searchBox")
        self.search_box.setPlaceholderText("Search comments (/)")
        self.search_box.setAccessibleName("Search the queue's comments and authors")
        self.search_box.setClearButtonEnabled(True)
        self._pause = QTimer(self)
        self._pause.setSingleShot(True)
        self._pause.setInterval(SEARCH_PAUSE_MS)
        self._pause.timeout.connect(self.apply_search)
        self.search_box.textChanged.connect(self._pause.start)
        self.search_box.returnPressed.connect(self.apply_search)
        on_escape(self.search_box, self._leave)
        self.search = ""

        self.order_box = QComboBox(self)
        self.order_box.setObjectName("queueOrder")
        self.order_box.setAccessibleName("Order of the queue")
        for label, order in QUEUE_ORDERS:
            self.order_box.addItem(label, order)
        self.order_box.currentIndexChanged.connect(self.changed)

        tabs = QHBoxLayout()
        tabs.addWidget(self.tabs)
        tabs.addStretch()
        tools = QHBoxLayout()
        tools.addWidget(self.search_box, 1)
        tools.addWidget(self.order_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(tabs)
        layout.addLayout(tools)

    @property
    def tab(self) -> QueueTab:
        return QUEUE_TABS[max(self.tabs.currentIndex(), 0)]

    def queue_for(self, article_id: int | None) -> QueueFilter:
        """What the queue shows for an article (None: every article)."""
        tab = self.tab
        return QueueFilter(
            article_id=article_id,
            status=tab.status,
            flagged=tab.flagged,
            order=QUEUE_ORDERS[max(self.order_box.currentIndex(), 0)][1],
            search=self.search,
        )

    def show_counts(self, counts: Counts | None) -> None:
        """Each tab's count (an article's, or with a search, the search's in each tab)."""
        for index, tab in enumerate(QUEUE_TABS):
            self.tabs.setTabText(
                index, f"{tab.title} ({tab.count(counts):,})" if counts else tab.title
            )

    def focus_search(self) -> None:
        self.search_box.setFocus()
        self.search_box.selectAll()

    def _leave(self) -> None:
        self.apply_search()
        self.left.emit()

    def clear_search(self) -> None:
        """No search: every comment of the tab again."""
        self.search_box.clear()
        self.apply_search()

    def apply_search(self) -> None:
        """Search for the words typed (all of them must match); nothing typed: no search."""
        self._pause.stop()
        search = " ".join(self.search_box.text().split())
        if search != self.search:
            self.search = search
            self.changed.emit()
