"""The keymap: one table from which the window's actions, menus, toolbar and help are built."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QStyle, QToolBar

from ui.desk.queue_header import QUEUE_TABS


@dataclass(frozen=True, slots=True)
class KeyBinding:
    """One command: its action's objectName, menu text, shortcut and a line of help."""

    name: str
    text: str
    shortcut: str
    help: str
    menu: str = "&Actions"
    # Bindings in the same group sit together; a separator goes between groups.
    group: str = "decide"
    on_toolbar: bool = True
    # A QStyle standard icon by name: drawn by the style, so native and right in dark mode.
    icon: str = ""


KEYMAP: tuple[KeyBinding, ...] = (
    KeyBinding(
        "actionApprove",
        "&Approve",
        "A",
        "Publish the selected comments",
        icon="SP_DialogApplyButton",
    ),
    KeyBinding(
        "actionHide",
        "&Hide…",
        "H",
        "Take the selected comments down, with a reason",
        icon="SP_DialogCancelButton",
    ),
    KeyBinding(
        "actionRestore",
        "&Restore",
        "R",
        "Send the selected comments back to pending",
        icon="SP_BrowserReload",
    ),
    KeyBinding(
        "actionEscalate",
        "&Escalate",
        "E",
        "Ask an editor to review the comments",
        icon="SP_MessageBoxWarning",
    ),
    KeyBinding(
        "actionUndo",
        "&Undo",
        "Ctrl+Z",
        "Undo the last decision",
        menu="&Edit",
        group="undo",
        icon="SP_ArrowBack",
    ),
    KeyBinding(
        "actionRedo",
        "&Redo",
        "Ctrl+Shift+Z",
        "Make the undone decision again",
        menu="&Edit",
        group="undo",
        icon="SP_ArrowForward",
    ),
    KeyBinding(
        "actionNext",
        "&Next comment",
        "J",
        "Select the next comment",
        group="move",
        icon="SP_ArrowDown",
    ),
    KeyBinding(
        "actionPrevious",
        "&Previous comment",
        "K",
        "Select the previous one",
        group="move",
        icon="SP_ArrowUp",
    ),
    *(
        KeyBinding(
            f"actionQueue{title}",
            f"{title} queue",
            str(number),
            f"Show {does}",
            menu="&View",
            group="queues",
            on_toolbar=False,
        )
        for number, (title, does) in enumerate(((tab.title, tab.shows) for tab in QUEUE_TABS), 1)
    ),
    KeyBinding(
        "actionSearch",
        "&Search comments",
        "/",
        "Search the queue's comments and authors",
        menu="&View",
        group="search",
        on_toolbar=False,
    ),
    KeyBinding(
        "actionKeys",
        "&Keyboard shortcuts",
        "?",
        "List every key and what it does",
        menu="&Help",
        group="help",
        on_toolbar=False,
    ),
    KeyBinding(
        "actionImport",
        "&Import files…",
        "Ctrl+O",
        "Import scraped articles, WordPress (WXR) or Disqus exports",
        menu="&File",
        group="file",
        icon="SP_DialogOpenButton",
    ),
    KeyBinding(
        "actionExportLog",
        "&Export Log…",
        "Ctrl+Shift+E",
        "Write the moderation log (or part of it) to CSV, JSON Lines or JSON",
        menu="&File",
        group="file",
        on_toolbar=False,
    ),
    KeyBinding(
        "actionSettings",
        "&Settings…",
        "Ctrl+,",
        "Choose the database: a file of this desk's own, or the team's server",
        menu="&File",
        group="settings",
        on_toolbar=False,
    ),
    KeyBinding(
        "actionNote",
        "&Note on Comment…",
        "N",
        "Leave a note on the current comment (kept and logged)",
        group="note",
        on_toolbar=False,
    ),
    KeyBinding(
        "actionNoteAuthor",
        "Note on &Author…",
        "Ctrl+Shift+N",
        "Leave a note on the current comment's author",
        group="note",
        on_toolbar=False,
    ),
    KeyBinding(
        "actionAuthor",
        "A&uthor…",
        "Ctrl+U",
        "Every comment by the current comment's author, notes, and all their pending at once",
        group="note",
        on_toolbar=False,
    ),
    KeyBinding(
        "actionReview",
        "Flagged &Threads",
        "Ctrl+T",
        "The threads that need an editor, most urgent first, each read in full",
        menu="&View",
        group="log",
        on_toolbar=False,
    ),
    KeyBinding(
        "actionLog",
        "Moderation &Log",
        "Ctrl+L",
        "Who did what, when and why: every entry, with filters, revert and export",
        menu="&View",
        group="log",
        on_toolbar=False,
    ),
    KeyBinding(
        "actionInsights",
        "&Insights",
        "Ctrl+I",
        "How the desk and its rules are doing: decisions, the queue, rules, moderators, articles",
        menu="&View",
        group="log",
        on_toolbar=False,
    ),
)
# The menus in the order they sit in the menu bar (others follow in keymap order).
MENUS = ("&File", "&Edit", "&View", "&Actions")


def build_actions(
    window: QMainWindow, handlers: Mapping[str, Callable[[], object]]
) -> dict[str, QAction]:
    """Actions for every binding, owned by ``window`` so their shortcuts work anywhere in it."""
    actions: dict[str, QAction] = {}
    for binding in KEYMAP:
        action = QAction(binding.text, window)
        action.setObjectName(binding.name)
        action.setShortcut(QKeySequence(binding.shortcut))
        shortcut = QKeySequence(binding.shortcut).toString(QKeySequence.SequenceFormat.NativeText)
        plain = binding.text.replace("&", "").rstrip("…")
        # The key is on the button itself: a keyboard-first desk should teach its keys.
        action.setIconText(f"{plain} ({shortcut})")
        action.setToolTip(f"{binding.help} ({shortcut})")
        action.setStatusTip(binding.help)
        if binding.icon:
            standard = getattr(QStyle.StandardPixmap, binding.icon)
            action.setIcon(window.style().standardIcon(standard))
        action.triggered.connect(handlers[binding.name])
        window.addAction(action)
        actions[binding.name] = action
    return actions


def populate(
    window: QMainWindow, toolbar: QToolBar, actions: Mapping[str, QAction]
) -> dict[str, QMenu]:
    """Menus and the toolbar in keymap order, with a separator between groups; the menus by
    title, for others to add to."""
    menus: dict[str, QMenu] = {name: window.menuBar().addMenu(name) for name in MENUS}
    last_group: dict[str, str] = {}
    toolbar_group: str | None = None
    for binding in KEYMAP:
        action = actions[binding.name]
        menu = menus.get(binding.menu)
        if menu is None:
            menu = menus[binding.menu] = window.menuBar().addMenu(binding.menu)
        elif binding.menu in last_group and last_group[binding.menu] != binding.group:
            menu.addSeparator()
        last_group[binding.menu] = binding.group
        menu.addAction(action)
        if binding.on_toolbar:
            if toolbar_group is not None and toolbar_group != binding.group:
                toolbar.addSeparator()
            toolbar_group = binding.group
            toolbar.addAction(action)
    return menus
