"""Writes articles and comments into read-only text views, always as plain text."""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from PySide6.QtGui import (
    QColor,
    QFont,
    QPalette,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import QTextEdit

from moderator.output.display import Revealed, one_line, reveal
from moderator.queries.review import Escalation, escalation_of
from moderator.queries.snapshots import (
    ArticleDetail,
    AuthorSummary,
    CommentRow,
    NoteRow,
    author_notes,
    author_summary,
    comment_notes,
)
from moderator.store.database import Database
from ui.comments.queue_model import posted_text, status_text
from ui.common.messages import plain_tooltip
from ui.common.severity import DOT_COLOURS, MARK_COLOURS, RANK

# Every string below goes in through QTextCursor.insertText, which never parses markup: article
# and comment text is untrusted, and "<b>" in a comment must read as the four characters.

# A comment longer than this shows its beginning only: laying out a megabyte would stall the
# window, and nobody reads that far in the detail pane.
SHOWN_CHARACTERS = 100_000
# The words a rule marked that its line in the detail quotes, at most.
MARKED_AT_MOST = 5


def show_article(view: QTextEdit, article: ArticleDetail | None) -> None:
    """The article as a reader sees it: title, where it came from, its paragraphs."""
    view.clear()
    if article is None:
        return
    writer = _Writer(view)
    writer.block(reveal(article.title), size=1.45, bold=True, after=4)
    writer.block(reveal(article.source), muted=True, after=14)
    for paragraph in article.paragraphs:
        writer.block(reveal(paragraph), after=10)
    writer.done()


def show_comment(
    view: QTextEdit,
    comment: CommentRow | None,
    author: AuthorSummary | None = None,
    *,
    notes: Sequence[NoteRow] = (),
    author_notes: Sequence[NoteRow] = (),
    escalation: Escalation | None = None,
    claimed_by: str | None = None,
    likely: str | None = None,
    search: str = "",
) -> None:
    """One comment in full: who, when, where it stands, what each rule said (above the text,
    each with the words it marked), its text with the rule hits marked and the ``search``
    words lit, what the desk knows of the author, and the notes left on both;
    ``claimed_by``: the teammate who has it open at another desk; ``likely``: the ranker's
    word on it."""
    view.clear()
    if comment is None:
        return
    writer = _Writer(view)
    writer.block(reveal(comment.author), size=1.15, bold=True, after=2)
    writer.block(
        reveal(
            f"#{comment.id} · {ordinal(comment.position)} comment on the article · "
            f"{posted_text(comment)} · {status_text(comment)}"
        ),
        muted=True,
        after=2 if author else 10,
    )
    if author is not None:
        writer.block(reveal(author_text(author)), muted=True, after=2 if likely else 10)
    if likely:
        writer.block(reveal(likely), muted=True, after=10)
    if claimed_by is not None:
        writer.block(
            reveal(f"{claimed_by} has this comment open at another desk"), bold=True, after=8
        )
    if escalation is not None and comment.escalated:
        when = escalation.at.astimezone().strftime("%d %b %Y %H:%M")
        said = f": {escalation.note}" if escalation.note else " (no note)"
        writer.block(reveal(f"Escalated by {escalation.actor}, {when}{said}"), bold=True, after=8)
    body = comment.body
    # Why it was flagged comes before the text: a long comment would push it out of sight.
    flags = sorted(comment.flags, key=lambda flag: -RANK[flag.severity])
    for at, flag in enumerate(flags):
        words = marked_words(body, flag.spans)
        writer.bullet(
            DOT_COLOURS[flag.severity],
            reveal(
                f"{flag.severity.value} · {flag.rule_id}: {flag.explanation}"
                + (f" — marked: {words}" if words else "")
            ),
            after=10 if at == len(flags) - 1 else 3,
        )
    shown = reveal(body[:SHOWN_CHARACTERS])
    start = writer.block(shown, after=8)
    if len(body) > SHOWN_CHARACTERS:
        writer.block(
            reveal(f"Showing the first {SHOWN_CHARACTERS:,} of {len(body):,} characters."),
            muted=True,
            after=8,
        )
    _mark_hits(view, comment, shown, start, search)
    for heading, kept in (("Notes on this comment", notes), ("Notes on the author", author_notes)):
        if kept:
            writer.block(reveal(heading), bold=True, after=2)
            for note in kept:
                when = note.created_at.astimezone().strftime("%d %b %Y %H:%M")
                writer.block(
                    reveal(f"{note.actor} ({note.role}), {when}: {note.text}"), muted=False, after=4
                )
    writer.done()


def ordinal(number: int) -> str:
    """ "1st", "2nd", "3rd", "11th", "22nd": a comment's place in its article, in words, so that
    it is never mistaken for the comment's number (its id, written "#12")."""
    teens = 10 <= number % 100 <= 20
    suffix = "th" if teens else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number:,}{suffix}"


def show_selection(view: QTextEdit, comments: Sequence[CommentRow], count: int) -> None:
    """Several comments selected: how many, that a decision takes them all, and a line for
    each of the first ``comments`` (the rest counted)."""
    view.clear()
    writer = _Writer(view)
    writer.block(reveal(f"{count:,} comments selected"), size=1.15, bold=True, after=2)
    writer.block(
        reveal(
            "A decision now acts on every one of them. Shift or Ctrl with a click or an "
            "arrow changes the selection; J or K goes back to one comment."
        ),
        muted=True,
        after=10,
    )
    for comment in comments:
        writer.block(
            reveal(
                f"#{comment.id} · {one_line(comment.author, 40)} · {status_text(comment)} · "
                f"{one_line(comment.body, 120)}{'…' if len(comment.body) > 120 else ''}"
            ),
            after=3,
        )
    if count > len(comments):
        writer.block(reveal(f"… and {count - len(comments):,} more"), muted=True, after=3)
    writer.done()


def author_text(author: AuthorSummary) -> str:
    """ "12 comments by this author · 3 pending · 2 approved · 7 hidden · 4 flagged"."""
    noun = "comment" if author.comments == 1 else "comments"
    return (
        f"{author.comments:,} {noun} by this author · {author.pending:,} pending · "
        f"{author.approved:,} approved · {author.hidden:,} hidden · {author.flagged:,} flagged"
    )


def marked_words(body: str, spans: Sequence[tuple[int, int]]) -> str:
    """The words a rule marked, quoted, each once, the first few: "“idiot”, “moron”"."""
    words = dict.fromkeys(
        one_line(body[begin:end], 40) for begin, end in spans if 0 <= begin < end <= len(body)
    )
    listed = [f"“{word}”" for word in list(words)[:MARKED_AT_MOST]]
    more = len(words) - MARKED_AT_MOST
    return ", ".join(listed) + (f" and {more:,} more" if more > 0 else "")


def search_spans(body: str, search: str) -> list[tuple[int, int]]:
    """Where each searched word occurs in ``body``, in any case (as the queue's search
    matches), at most a thousand: the detail lights them."""
    folded = body.lower()
    found: list[tuple[int, int]] = []
    for word in {word.lower() for word in search.split()}:
        at = folded.find(word)
        while at >= 0 and len(found) < 1000:
            found.append((at, at + len(word)))
            at = folded.find(word, at + len(word))
    return found


def _mark_hits(
    view: QTextEdit, comment: CommentRow, shown: Revealed, start: int, search: str = ""
) -> None:
    """Colour each hit's characters by its severity (the gravest where hits overlap), and
    underline the searched words."""
    text = shown.text
    # Qt counts UTF-16 code units: a character beyond the BMP (most emoji) takes two.
    astral = [index for index, char in enumerate(text) if ord(char) > 0xFFFF]

    def place(offset: int) -> int:
        at = shown.position(min(offset, SHOWN_CHARACTERS))
        return start + at + bisect.bisect_left(astral, at)

    cursor = QTextCursor(view.document())
    for flag in sorted(comment.flags, key=lambda flag: RANK[flag.severity]):
        marked = QTextCharFormat()
        marked.setBackground(MARK_COLOURS[flag.severity])
        marked.setToolTip(plain_tooltip(f"{flag.rule_id}: {flag.explanation}"))
        for begin, end in flag.spans:
            if begin >= min(len(comment.body), SHOWN_CHARACTERS) or end <= begin:
                continue
            cursor.setPosition(place(begin))
            cursor.setPosition(place(end), QTextCursor.MoveMode.KeepAnchor)
            cursor.mergeCharFormat(marked)
    # Lower-case folding keeps lengths for the text people write; a word whose folded form is
    # longer (rare) is skipped rather than marked off by some characters.
    if search and len(comment.body.lower()) == len(comment.body):
        lit = QTextCharFormat()
        lit.setFontUnderline(True)
        lit.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SingleUnderline)
        lit.setFontWeight(QFont.Weight.Bold)
        for begin, end in search_spans(comment.body[:SHOWN_CHARACTERS], search):
            cursor.setPosition(place(begin))
            cursor.setPosition(place(end), QTextCursor.MoveMode.KeepAnchor)
            cursor.mergeCharFormat(lit)


class _Writer:
    """Appends formatted blocks to a cleared view through one cursor."""

    def __init__(self, view: QTextEdit) -> None:
        self._view = view
        self._cursor = QTextCursor(view.document())
        self._first = True
        base = view.font()
        self._point_size = base.pointSizeF() if base.pointSizeF() > 0 else 10.0
        self._muted = view.palette().color(QPalette.ColorRole.PlaceholderText)

    def _char_format(self, *, size: float, bold: bool, muted: bool) -> QTextCharFormat:
        char_format = QTextCharFormat()
        char_format.setFontPointSize(self._point_size * size)
        char_format.setFontWeight(QFont.Weight.Bold if bold else QFont.Weight.Normal)
        if muted:
            char_format.setForeground(self._muted)
        return char_format

    def _start_block(self, after: float, char_format: QTextCharFormat) -> None:
        block_format = QTextBlockFormat()
        block_format.setBottomMargin(after)
        if self._first:
            self._cursor.setBlockFormat(block_format)
            self._cursor.setCharFormat(char_format)
            self._first = False
        else:
            self._cursor.insertBlock(block_format, char_format)

    def block(
        self,
        text: Revealed,
        *,
        size: float = 1.0,
        bold: bool = False,
        muted: bool = False,
        after: float = 0,
    ) -> int:
        """Write one block; where its text starts in the document."""
        char_format = self._char_format(size=size, bold=bold, muted=muted)
        self._start_block(after, char_format)
        start = self._cursor.position()
        self._insert(text.pieces, char_format)
        return start

    def bullet(self, colour: QColor, text: Revealed, *, after: float = 3) -> None:
        char_format = self._char_format(size=1.0, bold=False, muted=False)
        self._start_block(after, char_format)
        dot = QTextCharFormat(char_format)
        dot.setForeground(colour)
        self._cursor.insertText("\u25cf ", dot)
        self._insert(text.pieces, char_format)

    def _insert(self, pieces: Sequence[tuple[str, bool]], char_format: QTextCharFormat) -> None:
        for piece, is_marker in pieces:
            if is_marker:
                # A hidden character, named: small and boxed off from the real text.
                shown = QTextCharFormat(char_format)
                shown.setForeground(self._muted)
                shown.setFontPointSize(self._point_size * 0.8)
                self._cursor.insertText(piece, shown)
            else:
                self._cursor.insertText(piece, char_format)

    def done(self) -> None:
        # Start at the top: a long article should open at its title, not its last line.
        self._view.moveCursor(QTextCursor.MoveOperation.Start)


def show_comment_in_context(
    view: QTextEdit,
    database: Database,
    comment: CommentRow | None,
    *,
    claimed_by: str | None = None,
    likely: str | None = None,
    search: str = "",
) -> None:
    """:func:`show_comment` with all the desk knows around it, read now: the author's record,
    the notes on the comment and its author, who escalated it, and who else has it open."""
    if comment is None:
        show_comment(view, None)
        return
    with database.session() as session:
        summary = author_summary(session, comment.author)
        notes = comment_notes(session, comment.id)
        about_author = author_notes(session, comment.author)
        escalation = escalation_of(session, comment.id) if comment.escalated else None
    show_comment(
        view,
        comment,
        summary,
        notes=notes,
        author_notes=about_author,
        escalation=escalation,
        claimed_by=claimed_by,
        likely=likely,
        search=search,
    )
