"""Where a window's dialogs open: off the comment they ask about."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget


def beside_the_comment(dialog: QWidget, parent: QWidget | None) -> None:
    """Open ``dialog`` over the left part of ``parent``'s window (the articles and the
    article's text on the desk), so that the queue and the comment in full stay in sight
    while the moderator answers."""
    if parent is None:
        return
    window = parent.window()
    frame = window.frameGeometry()
    dialog.adjustSize()
    size = dialog.sizeHint().expandedTo(dialog.minimumSize())
    left = frame.left() + max(16, frame.width() * 2 // 5 - size.width()) // 2
    top = frame.top() + max(0, (frame.height() - size.height()) // 2)
    dialog.move(left, top)
