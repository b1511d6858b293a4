"""The left panel: every article's queue at a glance, filtered and sorted, or all of them."""

from __future__ import annotations

from PySide6.QtCore import (
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QLineEdit,
    QListView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ui.common.text_fields import on_escape
from ui.desk.article_model import ArticleListModel, ArticleRole

# The sort choices in the order offered; the first is the default.
SORTS: tuple[tuple[str, ArticleRole], ...] = (
    ("Newest import first", ArticleRole.NEWEST),
    ("Most pending first", ArticleRole.MOST_PENDING),
    ("Most flagged first", ArticleRole.MOST_FLAGGED),
    ("By title", ArticleRole.BY_TITLE),
)


class ArticlePanel(QWidget):
    """A filter box, a sort choice, "All articles", and the list of articles.

    Signals:
        chosen(object): what the queue should show: an article's id, or None for every article.
        left(): Enter or Escape in the filter box: the keys go back to the queue.
    """

    chosen = Signal(object)
    left = Signal()

    def __init__(self, articles: ArticleListModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Article list")
        self.articles = articles
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setObjectName("articleProxy")
        self.proxy.setSourceModel(articles)
        self.proxy.setFilterRole(ArticleRole.TITLE)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        # Counts change with every decision; the order follows them.
        self.proxy.setDynamicSortFilter(True)

        self.filter_box = QLineEdit(self)
        self.filter_box.setObjectName("articleFilter")
        self.filter_box.setPlaceholderText("Filter articles")
        self.filter_box.setClearButtonEnabled(True)
        self.filter_box.setAccessibleName("Filter articles by title")
        self.filter_box.textChanged.connect(self.proxy.setFilterFixedString)
        self.filter_box.returnPressed.connect(self.left)
        on_escape(self.filter_box, self.left.emit)

        self.sort_box = QComboBox(self)
        self.sort_box.setObjectName("articleSort")
        self.sort_box.setAccessibleName("Sort articles")
        for label, role in SORTS:
            self.sort_box.addItem(label, role)
        self.sort_box.currentIndexChanged.connect(self._sort)

        self.all_button = QToolButton(self)
        self.all_button.setObjectName("allArticles")
        self.all_button.setText("All articles")
        self.all_button.setCheckable(True)
        self.all_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.all_button.setSizePolicy(self.filter_box.sizePolicy())
        self.all_button.setAccessibleName("The queue of every article")
        self.all_button.toggled.connect(self._on_all_toggled)

        self.view = QListView(self)
        self.view.setObjectName("articleList")
        self.view.setAccessibleName("Articles")
        self.view.setModel(self.proxy)
        # Two lines an article, the title elided: every row the same height, so that a count
        # changing after a decision repaints one row instead of laying out the whole list.
        self.view.setWordWrap(False)
        self.view.setUniformItemSizes(True)
        self.view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setItemDelegate(_TwoLines(self.view))
        self.view.setSpacing(3)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.selectionModel().currentChanged.connect(self._on_current_changed)
        self.view.clicked.connect(self._on_clicked)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        for widget in (self.filter_box, self.sort_box, self.all_button, self.view):
            layout.addWidget(widget)
        self._sort(0)

    @property
    def showing_all(self) -> bool:
        return self.all_button.isChecked()

    def current_article_id(self) -> int | None:
        """The article picked in the list (None in "All articles", or when there is none)."""
        current = self.view.currentIndex()
        if self.showing_all or not current.isValid():
            return None
        return self.articles.article_id(self.proxy.mapToSource(current).row())

    def select_article(self, article_id: int | None) -> bool:
        """Pick an article in the list (leaving "All articles"); False if it is not shown."""
        row = None if article_id is None else self.articles.row_of(article_id)
        index = QModelIndex() if row is None else self.proxy.mapFromSource(self.articles.index(row))
        if not index.isValid():
            index = self.proxy.index(0, 0)
        if not index.isValid():
            return False
        self.all_button.setChecked(False)
        self.view.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
        )
        self.view.scrollTo(index)
        return True

    def show_all(self) -> None:
        self.all_button.setChecked(True)

    def _sort(self, index: int) -> None:
        self.proxy.setSortRole(SORTS[max(index, 0)][1])
        self.proxy.sort(0, Qt.SortOrder.AscendingOrder)

    def _on_all_toggled(self, checked: bool) -> None:
        if checked:
            self.view.selectionModel().clearSelection()
            self.chosen.emit(None)
        else:
            self.chosen.emit(self.current_article_id())

    def _on_current_changed(self, current: QModelIndex) -> None:
        if current.isValid() and self.showing_all:
            # Picking an article leaves "All articles" (which announces the pick).
            self.all_button.setChecked(False)
            return
        if not self.showing_all:
            self.chosen.emit(self.current_article_id())

    def _on_clicked(self, _index: QModelIndex) -> None:
        # The current article clicked again while showing all: back to it.
        if self.showing_all:
            self.all_button.setChecked(False)


class _TwoLines(QStyledItemDelegate):
    """Rows as wide as the list and two lines high: longer titles are elided, not scrolled."""

    def __init__(self, view: QListView) -> None:
        super().__init__(view)
        self._view = view

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        height = option.fontMetrics.lineSpacing() * 2 + 8
        return QSize(max(40, self._view.viewport().width() - 2 * self._view.spacing()), height)
