"""Writes articles and comments into read-only text views, always as plain text."""

from __future__ import annotations

from PySide6.QtGui import QFont, QPalette, QTextBlockFormat, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QTextEdit

from moderator.queries import ArticleDetail, CommentRow
from ui.models import posted_text, status_text

# Every string below goes in through QTextCursor.insertText, which never parses markup: article
# and comment text is untrusted, and "<b>" in a comment must read as the four characters.


def show_article(view: QTextEdit, article: ArticleDetail | None) -> None:
    """The article as a reader sees it: title, where it came from, its paragraphs."""
    view.clear()
    if article is None:
        return
    writer = _Writer(view)
    writer.block(article.title, size=1.45, bold=True, after=4)
    writer.block(article.source, muted=True, after=14)
    for paragraph in article.paragraphs:
        writer.block(paragraph, after=10)
    writer.done()


def show_comment(view: QTextEdit, comment: CommentRow | None) -> None:
    """One comment in full: who, when, where it stands, its text and any rule hits."""
    view.clear()
    if comment is None:
        return
    writer = _Writer(view)
    writer.block(comment.author, size=1.15, bold=True, after=2)
    writer.block(
        f"#{comment.position} · {posted_text(comment)} · {status_text(comment)}",
        muted=True,
        after=10,
    )
    for paragraph in comment.body.split("\n\n"):
        writer.block(paragraph, after=8)
    for flag in comment.flags:
        writer.block(f"Flagged by {flag.rule_id} ({flag.severity}): {flag.explanation}", muted=True)
    writer.done()


class _Writer:
    """Appends formatted blocks to a cleared view through one cursor."""

    def __init__(self, view: QTextEdit) -> None:
        self._view = view
        self._cursor = QTextCursor(view.document())
        self._first = True
        base = view.font()
        self._point_size = base.pointSizeF() if base.pointSizeF() > 0 else 10.0
        self._muted = view.palette().color(QPalette.ColorRole.PlaceholderText)

    def block(
        self,
        text: str,
        *,
        size: float = 1.0,
        bold: bool = False,
        muted: bool = False,
        after: float = 0,
    ) -> None:
        block_format = QTextBlockFormat()
        block_format.setBottomMargin(after)
        char_format = QTextCharFormat()
        char_format.setFontPointSize(self._point_size * size)
        char_format.setFontWeight(QFont.Weight.Bold if bold else QFont.Weight.Normal)
        if muted:
            char_format.setForeground(self._muted)
        if self._first:
            self._cursor.setBlockFormat(block_format)
            self._cursor.setCharFormat(char_format)
            self._first = False
        else:
            self._cursor.insertBlock(block_format, char_format)
        self._cursor.insertText(text, char_format)

    def done(self) -> None:
        # Start at the top: a long article should open at its title, not its last line.
        self._view.moveCursor(QTextCursor.MoveOperation.Start)
