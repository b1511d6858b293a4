"""Reads and writes the scraped-article text format: title, body paragraphs, then the comments."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import re2

from moderator.display import path_text
from moderator.formats.errors import FormatError, FormatWarning
from moderator.formats.records import IncomingArticle, IncomingComment, dated, refuse_nul

# Scrapers render the author's avatar image as its alt-text ahead of the name.
AVATAR_TOKENS = ("Thumb", "Missing")
# Byte-order marks, zero-width spaces and joiners, soft hyphens: invisible, never content.
_INVISIBLE = dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d\u2060\u00ad"))
# A longer name before a date is a sentence that happens to end with a time, not an author.
MAX_AUTHOR_LENGTH = 80

_MONTH_NAMES = (
    *("January", "February", "March", "April", "May", "June"),
    *("July", "August", "September", "October", "November", "December"),
)
# Full names and the usual abbreviations ("Jun", "Sept"), matched without regard to case.
_MONTHS = {
    **{name.lower(): number for number, name in enumerate(_MONTH_NAMES, start=1)},
    **{name[:3].lower(): number for number, name in enumerate(_MONTH_NAMES, start=1)},
    "sept": 9,
}

_COMMENTS_LINE = re.compile(r"Comments\s+(\d+)", re.IGNORECASE)
# The shape of a header whatever the month word says, so that a misspelt month is reported
# instead of silently becoming part of the previous comment's text. RE2, which runs in time
# linear in the line: Python's engine backtracked over a lazy lead and a run of spaces, so a
# line of a million spaces ending like a time took hours.
_HEADER_SHAPE = re2.compile(
    r"(?P<lead>.*?)(?:\s+|^)(?P<day>\d{1,2})\s+(?P<month>[A-Za-z]+)\.?\s+(?P<year>\d{4}),\s*"
    r"(?P<hour>\d{1,2}):(?P<minute>\d{2})"
)


@dataclass(frozen=True, slots=True)
class ScrapedComment:
    """One comment as the scrape shows it; ``line`` is where its header stands (1-based)."""

    author: str
    posted_at: datetime
    paragraphs: tuple[str, ...]
    line: int = field(default=0, compare=False)

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)


@dataclass(frozen=True, slots=True)
class ScrapedArticle:
    """An article with its comments; ``declared_comments`` is the N of ``Comments N``, if any."""

    title: str
    paragraphs: tuple[str, ...]
    comments: tuple[ScrapedComment, ...]
    declared_comments: int | None = None
    warnings: tuple[FormatWarning, ...] = field(default=(), compare=False)

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)

    def to_incoming(self, source: str) -> IncomingArticle:
        return IncomingArticle(
            title=self.title,
            body=self.body,
            source=source,
            comments=tuple(
                IncomingComment(author=c.author, posted_at=c.posted_at, body=c.body)
                for c in self.comments
            ),
            warnings=self.warnings,
        )


def read_scraped_file(path: Path) -> IncomingArticle:
    """Read one scraped file, ready to store; errors name the file and line."""
    source = path_text(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FormatError(source, 0, f"cannot read the file: {exc.strerror or exc}") from None
    # Errors name the file as the user gave it; the stored source is where it really is.
    return parse_scraped_bytes(data, source=source).to_incoming(path_text(path.resolve()))


def decode_text(data: bytes, *, source: str) -> str:
    """UTF-8 with or without a byte-order mark; an undecodable byte is reported with its line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start : exc.end].hex(" ")
        raise FormatError(source, line, f"not UTF-8 text (byte {bad})") from None


def parse_scraped_bytes(data: bytes, *, source: str) -> ScrapedArticle:
    """Parse a scraped file's bytes; see :func:`parse_scraped`."""
    return parse_scraped(decode_text(data, source=source), source=source)


def parse_scraped(text: str, *, source: str) -> ScrapedArticle:
    """Parse one scraped article, or raise :class:`FormatError` naming the line at fault."""
    refuse_nul(text, source=source)
    lines = [
        # Scrapers leave byte-order marks and zero-width characters anywhere in a line.
        (line if line.isascii() else line.translate(_INVISIBLE)).rstrip()
        for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    ]
    index = _skip_blank(lines, 0)
    if index == len(lines):
        raise FormatError(source, 1, "the file is empty: expected a title line")
    title_line = index + 1
    title = lines[index].strip()
    if is_comments_line(title):
        raise FormatError(source, title_line, "no title: the file starts with its comments line")

    warnings: list[FormatWarning] = []
    declared: int | None = None
    comments_at = next(
        (i for i in range(index + 1, len(lines)) if is_comments_line(lines[i].strip())), None
    )
    if comments_at is not None:
        match = _COMMENTS_LINE.fullmatch(lines[comments_at].strip())
        assert match is not None
        declared = int(match.group(1))
        body_end, comments_start = comments_at, comments_at + 1
    else:
        # No "Comments N" line: a header with an avatar token still starts the comments,
        # rather than every comment silently becoming part of the article.
        first = next(
            (i for i in range(index + 1, len(lines)) if _is_tokened_header(lines[i].strip())),
            None,
        )
        body_end = comments_start = len(lines) if first is None else first
        if first is not None:
            warnings.append(
                FormatWarning(
                    source, first + 1, "no 'Comments N' line; the comments start at this header"
                )
            )

    paragraphs = [text for text, _ in _paragraphs(lines, index + 1, body_end)]
    if not paragraphs:
        raise FormatError(source, title_line, f"the article {title!r} has no body paragraphs")
    comments = _parse_comments(lines, comments_start, source=source, warnings=warnings)
    if declared is not None and declared != len(comments):
        assert comments_at is not None
        found = len(comments)
        why = "the scrape may be truncated" if found < declared else "more than it declares"
        warnings.append(
            FormatWarning(
                source,
                comments_at + 1,
                f"'Comments {declared}' but {found} found; importing the {found} found ({why})",
            )
        )
    return ScrapedArticle(
        title=title,
        paragraphs=tuple(paragraphs),
        comments=tuple(comments),
        declared_comments=declared,
        warnings=tuple(sorted(warnings, key=lambda warning: warning.line)),
    )


def _is_tokened_header(text: str) -> bool:
    return (
        _ends_in_a_time(text)
        and text.split(None, 1)[0] in AVATAR_TOKENS
        and (_HEADER_SHAPE.fullmatch(text) is not None)
    )


def _parse_comments(
    lines: Sequence[str], start: int, *, source: str, warnings: list[FormatWarning]
) -> list[ScrapedComment]:
    """Comments run from one header line to the next; headers need no blank line around them.

    When any header carries an avatar token, only lines with one are headers: a reader's
    "see you on 3 March 2025, 10:00" then stays part of the comment it was written in.
    """
    tokened = any(_is_tokened_header(lines[i].strip()) for i in range(start, len(lines)))
    comments: list[ScrapedComment] = []
    header: tuple[str, datetime, int] | None = None
    paragraphs: list[str] = []
    run: list[str] = []

    def end_paragraph() -> None:
        if run:
            paragraphs.append("\n".join(run))
            run.clear()

    def end_comment() -> None:
        end_paragraph()
        if header is not None:
            author, posted_at, line = header
            comments.append(ScrapedComment(author, posted_at, tuple(paragraphs), line))

    for index in range(start, len(lines)):
        text = lines[index].strip()
        if not text:
            end_paragraph()
            continue
        candidate = _ends_in_a_time(text) and (
            not tokened or text.split(None, 1)[0] in AVATAR_TOKENS
        )
        parsed = _parse_header(text, index + 1, source=source) if candidate else None
        if parsed is None:
            if header is None:
                raise FormatError(
                    source,
                    index + 1,
                    "text before the first comment header (expected 'NAME D Month YYYY, HH:MM')",
                )
            run.append(text)
            continue
        end_comment()
        author, posted_at = parsed
        if not author:
            warnings.append(FormatWarning(source, index + 1, "comment header has no author name"))
        header = (author, posted_at, index + 1)
        paragraphs.clear()
    end_comment()
    return comments


def is_comments_line(text: str) -> bool:
    """Whether a stripped line is the ``Comments N`` line that starts the comments."""
    return _COMMENTS_LINE.fullmatch(text) is not None


def looks_like_header(text: str) -> bool:
    """Whether the parser takes this stripped line for a comment header (or a broken one)."""
    return _header_match(text) is not None


def _ends_in_a_time(text: str) -> bool:
    # Most lines are prose: a header must end in a time, which is cheap to test before the
    # regex, whose lazy lead would otherwise be retried at every character of every line.
    return len(text) >= 14 and text[-3] == ":" and text[-2:].isdecimal()


def _header_match(text: str) -> tuple[Any, str] | None:
    """The header's parts and its author's name, if the line has a header's shape."""
    if not _ends_in_a_time(text):
        return None
    match = _HEADER_SHAPE.fullmatch(text)
    if match is None:
        return None
    words = match["lead"].split()
    author = " ".join(words[1:] if words and words[0] in AVATAR_TOKENS else words)
    if len(author) > MAX_AUTHOR_LENGTH:
        return None
    return match, author


def _parse_header(text: str, line: int, *, source: str) -> tuple[str, datetime] | None:
    """A comment header's author and time, or None when the line is ordinary text."""
    found = _header_match(text)
    if found is None:
        return None
    match, author = found
    month = _MONTHS.get(match["month"].lower())
    if month is None:
        if not match["lead"]:
            return None
        raise FormatError(source, line, f"unknown month {match['month']!r} in comment header")
    try:
        posted_at = datetime(
            int(match["year"]),
            month,
            int(match["day"]),
            int(match["hour"]),
            int(match["minute"]),
            tzinfo=UTC,
        )
    except ValueError as exc:
        when = f"{match['day']} {match['month']} {match['year']}, {match['hour']}:{match['minute']}"
        raise FormatError(source, line, f"impossible date {when!r}: {exc}") from None
    return author, dated(posted_at, source=source, line=line)


def _skip_blank(lines: Sequence[str], index: int) -> int:
    while index < len(lines) and not lines[index].strip():
        index += 1
    return index


def _paragraphs(lines: Sequence[str], start: int, end: int) -> Iterable[tuple[str, int]]:
    """Runs of non-blank lines, joined by newlines, with the 1-based line each run starts on."""
    run: list[str] = []
    first = 0
    for i in range(start, end):
        stripped = lines[i].strip()
        if stripped:
            if not run:
                first = i + 1
            run.append(stripped)
        elif run:
            yield "\n".join(run), first
            run = []
    if run:
        yield "\n".join(run), first


def format_scraped(article: ScrapedArticle) -> str:
    """Write an article in the scraped format; :func:`parse_scraped` reads it back unchanged."""
    parts = [article.title, ""]
    for paragraph in article.paragraphs:
        parts += [paragraph, ""]
    if article.comments or article.declared_comments is not None:
        count = (
            len(article.comments)
            if article.declared_comments is None
            else article.declared_comments
        )
        parts.append(f"Comments {count}")
        for comment in article.comments:
            parts.append(f"Thumb {comment.author} {format_header_time(comment.posted_at)}")
            parts.append("")
            for paragraph in comment.paragraphs:
                parts += [paragraph, ""]
    return "\n".join(parts).rstrip("\n") + "\n"


def format_header_time(moment: datetime) -> str:
    """A time the way comment headers print it: ``17 June 2013, 22:15``."""
    return f"{moment.day} {_MONTH_NAMES[moment.month - 1]} {moment.year}, {moment:%H:%M}"
