"""Reads and writes the scraped-article text format: title, body paragraphs, then the comments."""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import IO, Any

import re2

from moderator.formats.errors import FormatError, FormatWarning
from moderator.formats.records import (
    IncomingArticle,
    IncomingComment,
    dated,
    nul_error,
    refuse_nul,
)
from moderator.output.display import path_text

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

    def incoming(self) -> IncomingComment:
        """The comment as every importer hands it over."""
        return IncomingComment(author=self.author, posted_at=self.posted_at, body=self.body)


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
            comments=tuple(comment.incoming() for comment in self.comments),
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


@dataclass(frozen=True, slots=True)
class ScrapedStream:
    """A scraped file too big to hold whole in memory: its article, and where its comments
    lie, to be read one at a time (:meth:`comments`) as they are stored."""

    # As the user named it (for errors), and where it really is (the stored source).
    source: str
    stored_source: str
    title: str
    body: str
    layout: Layout

    def comments(
        self, stream: IO[bytes], warnings: list[FormatWarning]
    ) -> Iterator[IncomingComment]:
        """The comments of the file open in ``stream``, read as they are asked for."""
        lines = file_lines(stream, source=self.source)
        for comment in read_comments(lines, self.layout, source=self.source, warnings=warnings):
            yield comment.incoming()

    def article(self, warnings: Iterable[FormatWarning] = ()) -> IncomingArticle:
        """The article without its comments."""
        return IncomingArticle(
            self.title,
            self.body,
            self.stored_source,
            (),
            tuple(sorted(warnings, key=lambda warning: warning.line)),
        )


def scan_scraped(
    opener: Callable[[], IO[bytes]], *, source: str, stored_source: str
) -> ScrapedStream:
    """A big scraped file's layout and article, read in two passes that keep no more than
    a line of it (and the article's body) in memory."""
    with opener() as stream:
        layout = scan_layout(file_lines(stream, source=source), source=source)
    with opener() as stream:
        paragraphs = read_body(file_lines(stream, source=source), layout, source=source)
    return ScrapedStream(source, stored_source, layout.title, "\n\n".join(paragraphs), layout)


def file_lines(stream: IO[bytes], *, source: str) -> Iterator[str]:
    """A scraped file's lines, read one at a time, as the parser reads them (CR LF, CR and
    LF each end a line); a byte that is not UTF-8, or a NUL, is a :class:`FormatError` at
    its line."""
    number = 0
    for index, read in enumerate(stream):
        raw = (read.removeprefix(codecs.BOM_UTF8) if index == 0 else read).removesuffix(b"\n")
        raw = raw.removesuffix(b"\r")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            # A NUL before the bad byte is the first fault.
            for offset, part in enumerate(raw[: exc.start].decode("utf-8").split("\r")):
                if "\x00" in part:
                    raise nul_error(source, number + offset + 1, part.index("\x00") + 1) from None
            line = number + raw.count(b"\r", 0, exc.start) + 1
            bad = raw[exc.start : exc.end].hex(" ")
            raise FormatError(source, line, f"not UTF-8 text (byte {bad})") from None
        for part in text.split("\r"):
            number += 1
            if "\x00" in part:
                raise nul_error(source, number, part.index("\x00") + 1)
            yield normal_line(part)


def decode_text(data: bytes, *, source: str) -> str:
    """UTF-8 with or without a byte-order mark; an undecodable byte is reported with its line."""
    # The mark is taken off here: the "utf-8-sig" codec's error offsets leave it out.
    text = data.removeprefix(codecs.BOM_UTF8)
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = text[: exc.start]
        # The first fault in the file is the one reported, as when it is read line by line.
        refuse_nul(before.decode("utf-8"), source=source)
        # Lines end as the parser ends them: CR LF, CR or LF.
        line = before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1
        bad = text[exc.start : exc.end].hex(" ")
        raise FormatError(source, line, f"not UTF-8 text (byte {bad})") from None


def parse_scraped_bytes(data: bytes, *, source: str) -> ScrapedArticle:
    """Parse a scraped file's bytes; see :func:`parse_scraped`."""
    return parse_scraped(decode_text(data, source=source), source=source)


def parse_scraped(text: str, *, source: str) -> ScrapedArticle:
    """Parse one scraped article, or raise :class:`FormatError` naming the line at fault."""
    refuse_nul(text, source=source)
    lines = [
        normal_line(line) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    ]
    layout = scan_layout(iter(lines), source=source)
    paragraphs = read_body(iter(lines), layout, source=source)
    warnings = list(layout.warnings)
    comments = tuple(read_comments(iter(lines), layout, source=source, warnings=warnings))
    return ScrapedArticle(
        title=layout.title,
        paragraphs=paragraphs,
        comments=comments,
        declared_comments=layout.declared,
        warnings=tuple(sorted(warnings, key=lambda warning: warning.line)),
    )


def normal_line(line: str) -> str:
    """A line as the parser reads it."""
    # Scrapers leave byte-order marks and zero-width characters anywhere in a line.
    return (line if line.isascii() else line.translate(_INVISIBLE)).rstrip()


@dataclass(frozen=True, slots=True)
class Layout:
    """Where a scraped file's parts lie, found by one pass over its lines (indexes from 0):
    what a second pass needs to read its body, and a third its comments, one at a time."""

    title: str
    title_at: int
    body_end: int
    comments_start: int
    declared: int | None
    # The line of ``Comments N`` (from 1), for the warning when N is not what was found.
    comments_line: int | None
    # Whether only headers with an avatar token start a comment (see read_comments).
    tokened: bool
    warnings: tuple[FormatWarning, ...]


def scan_layout(lines: Iterator[str], *, source: str) -> Layout:
    """The file's layout, by one pass over all its lines that keeps none of them."""
    title: str | None = None
    title_at = comments_at = first_tokened = -1
    declared: int | None = None
    tokened_after = False
    count = 0
    for index, line in enumerate(lines):
        count = index + 1
        text = line.strip()
        if title is None:
            if text:
                title, title_at = text, index
            continue
        if comments_at < 0:
            match = _COMMENTS_LINE.fullmatch(text)
            if match is not None:
                # Python refuses to read an int of more than 4,300 digits: no count has 19.
                digits = match.group(1)
                comments_at, declared = index, int(digits) if len(digits) <= 18 else None
            elif first_tokened < 0 and _is_tokened_header(text):
                first_tokened = index
        elif not tokened_after and _is_tokened_header(text):
            tokened_after = True
    title = _checked_head(title, title_at, comments_at, declared, source=source)
    warnings: list[FormatWarning] = []
    if comments_at >= 0:
        body_end, start, tokened = comments_at, comments_at + 1, tokened_after
    else:
        # No "Comments N" line: a header with an avatar token still starts the comments,
        # rather than every comment silently becoming part of the article.
        body_end = start = count if first_tokened < 0 else first_tokened
        tokened = first_tokened >= 0
        if tokened:
            warnings.append(
                FormatWarning(
                    source,
                    first_tokened + 1,
                    "no 'Comments N' line; the comments start at this header",
                )
            )
    return Layout(
        title=title,
        title_at=title_at,
        body_end=body_end,
        comments_start=start,
        declared=declared,
        comments_line=comments_at + 1 if comments_at >= 0 else None,
        tokened=tokened,
        warnings=tuple(warnings),
    )


def _checked_head(
    title: str | None, title_at: int, comments_at: int, declared: int | None, *, source: str
) -> str:
    """The title, once the file's head is seen to make sense."""
    if title is None:
        raise FormatError(source, 1, "the file is empty: expected a title line")
    if is_comments_line(title):
        raise FormatError(source, title_at + 1, "no title: the file starts with its comments line")
    if comments_at >= 0 and declared is None:
        raise FormatError(
            source,
            comments_at + 1,
            "'Comments N' with N of 19 digits or more: no article has that many",
        )
    return title


def read_body(lines: Iterator[str], layout: Layout, *, source: str) -> tuple[str, ...]:
    """The article's paragraphs (a pass that stops where the comments begin)."""
    paragraphs = tuple(
        text
        for text, _ in _paragraphs(islice(enumerate(lines), layout.title_at + 1, layout.body_end))
    )
    if not paragraphs:
        raise FormatError(
            source, layout.title_at + 1, f"the article {layout.title!r} has no body paragraphs"
        )
    return paragraphs


def read_comments(
    lines: Iterator[str], layout: Layout, *, source: str, warnings: list[FormatWarning]
) -> Iterator[ScrapedComment]:
    """The comments, one at a time; headers need no blank line around them. Warnings are
    added to ``warnings`` as they are met (the count's once the last comment is read).

    When any header carries an avatar token, only lines with one are headers: a reader's
    "see you on 3 March 2025, 10:00" then stays part of the comment it was written in.
    """
    header: tuple[str, datetime, int] | None = None
    paragraphs: list[str] = []
    run: list[str] = []
    found = 0
    for index, line in islice(enumerate(lines), layout.comments_start, None):
        text = line.strip()
        if not text:
            if run:
                paragraphs.append("\n".join(run))
                run.clear()
            continue
        candidate = _ends_in_a_time(text) and (
            not layout.tokened or text.split(None, 1)[0] in AVATAR_TOKENS
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
        if header is not None:
            found += 1
            yield _comment(header, paragraphs, run)
        author, posted_at = parsed
        if not author:
            warnings.append(FormatWarning(source, index + 1, "comment header has no author name"))
        header = (author, posted_at, index + 1)
        paragraphs, run = [], []
    if header is not None:
        found += 1
        yield _comment(header, paragraphs, run)
    if layout.declared is not None and layout.declared != found:
        assert layout.comments_line is not None
        why = "the scrape may be truncated" if found < layout.declared else "more than it declares"
        warnings.append(
            FormatWarning(
                source,
                layout.comments_line,
                f"'Comments {layout.declared}' but {found} found; importing the {found} found"
                f" ({why})",
            )
        )


def _comment(
    header: tuple[str, datetime, int], paragraphs: list[str], run: list[str]
) -> ScrapedComment:
    author, posted_at, line = header
    if run:
        paragraphs.append("\n".join(run))
    return ScrapedComment(author, posted_at, tuple(paragraphs), line)


def _is_tokened_header(text: str) -> bool:
    return (
        _ends_in_a_time(text)
        and text.split(None, 1)[0] in AVATAR_TOKENS
        and (_HEADER_SHAPE.fullmatch(text) is not None)
    )


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


def _paragraphs(numbered: Iterable[tuple[int, str]]) -> Iterable[tuple[str, int]]:
    """Runs of non-blank lines, joined by newlines, with the 1-based line each run starts on."""
    run: list[str] = []
    first = 0
    for i, line in numbered:
        stripped = line.strip()
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
