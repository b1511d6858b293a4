"""Above the queue: its tabs (with counts), a search box and the order; what the queue shows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QTabBar, QVBoxLayout, QWidget

from moderator.domain import Status
from moderator.queries import ArticleRow
from moderator.queue import QueueFilter, QueueOrder


@dataclass(frozen=True, slots=True)
class QueueTab:
    """One tab over the article's queue: which comments it shows, and its count."""

    title: str
    status: Status | None  # None: every status
    flagged: bool
    count: Callable[[ArticleRow], int]


# In order; keys 1 to 5 choose them. Flagged holds the pending comments a rule flagged.
QUEUE_TABS: tuple[QueueTab, ...] = (
    QueueTab("Pending", Status.PENDING, False, lambda article: article.pending),
    QueueTab("Flagged", Status.PENDING, True, lambda article: article.flagged_pending),
    QueueTab("Approved", Status.APPROVED, False, lambda article: article.approved),
    QueueTab("Hidden", Status.HIDDEN, False, lambda article: article.hidden),
    QueueTab("All", None, False, lambda article: article.comments),
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

    ``changed`` says the queue should be read again (another tab, order or search).
    """

    changed = Signal()

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

    def show_counts(self, article: ArticleRow | None) -> None:
        for index, tab in enumerate(QUEUE_TABS):
            self.tabs.setTabText(
                index, f"{tab.title} ({tab.count(article):,})" if article else tab.title
            )

    def focus_search(self) -> None:
        self.search_box.setFocus()
        self.search_box.selectAll()

    def apply_search(self) -> None:
        """Search for the words typed (all of them must match); nothing typed: no search."""
        self._pause.stop()
        search = " ".join(self.search_box.text().split())
        if search != self.search:
            self.search = search
            self.changed.emit()
