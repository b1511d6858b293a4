"""Reads platform exports: WordPress WXR (1.0-1.2) and Disqus XML, as hostile input.

The XML goes through defusedxml: a DTD, an entity declaration or an external reference is
refused (so entity-expansion bombs and external entities never expand), and the file is read
as a stream, each article handed over as soon as it is complete, so memory stays bounded
whatever the file's size. A malformed file raises :class:`FormatError` with the line and
column; what was handed over before it is for the caller to keep or drop.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from moderator.display import path_text
from moderator.formats.errors import FormatError, FormatWarning
from moderator.formats.records import IncomingArticle, IncomingComment, dated

WXR = "wxr"
DISQUS = "disqus"
_WP = re.compile(r"^\{https?://wordpress\.org/export/1\.[012]/\}")
_DSQ_ID = "{http://disqus.com/disqus-internals}id"
_DISQUS_NS = "{http://disqus.com}"


def detect(head: bytes) -> str | None:
    """WXR, Disqus or None (not a platform export) from a file's first bytes, not its name."""
    text = head.decode("utf-8", "replace")
    root = re.search(r"<(?!\?|!)([A-Za-z_][\w.:-]*)", text)
    if root is None:
        return None
    name = root.group(1).rpartition(":")[2]
    if name == "rss" and "wordpress.org/export/" in text:
        return WXR
    if name == "disqus":
        return DISQUS
    return None


@dataclass
class ReadSummary:
    """What reading a file skipped, to report beside what was stored."""

    skipped_pingbacks: int = 0
    skipped_orphans: int = 0
    warnings: list[FormatWarning] = field(default_factory=list)


class _TextOnly(HTMLParser):
    """Markup to plain paragraphs: blocks and <br> break lines, every tag goes, entities are
    decoded, comments (WordPress's block markers) vanish."""

    _BLOCKS = frozenset({"p", "div", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "pre"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, _attrs: Any) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag in self._BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def parse_marked_section(self, i: int, report: bool = True) -> int:
        # The standard parser gives up on a malformed "<![..." with an AssertionError (found
        # by fuzzing Disqus exports): it is no markup a comment means; keep it as text.
        try:
            return super().parse_marked_section(i, report)
        except AssertionError:
            end = self.rawdata.find(">", i)
            if end < 0:
                end = len(self.rawdata) - 1
            self.handle_data(self.rawdata[i : end + 1])
            return end + 1


def plain_text(markup: str) -> str:
    """HTML (or WordPress blocks) as plain text: paragraphs apart by a blank line."""
    parser = _TextOnly()
    parser.feed(markup)
    parser.close()
    text = "".join(parser.parts).replace("\r\n", "\n")
    paragraphs = []
    for paragraph in re.split(r"\n\s*\n", text):
        # A <br> breaks a line inside a paragraph; other runs of white space are one space.
        lines = (" ".join(line.split()) for line in paragraph.split("\n"))
        kept = "\n".join(line for line in lines if line)
        if kept:
            paragraphs.append(kept)
    return "\n\n".join(paragraphs)


def _text(element: Element | None) -> str:
    return "" if element is None or element.text is None else element.text.strip()


def _child(element: Element, suffix: str) -> Element | None:
    """The child whose tag ends with ``suffix`` (any namespace: WXR 1.0, 1.1 and 1.2)."""
    for child in element:
        if child.tag.endswith(suffix):
            return child
    return None


def _gmt(text: str, *, source: str, line: int) -> datetime | None:
    text = text.strip()
    if not text or text.startswith("0000-00-00"):
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
        # Year 1 an hour east of UTC is before the first moment Python can hold.
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except (ValueError, OverflowError):
        raise FormatError(source, line, f"not a date: {text!r}") from None
    return dated(value, source=source, line=line)


def _events(stream: IO[bytes], source: str) -> Iterator[tuple[str, Element]]:
    """iterparse's events, its refusals and parse errors as FormatErrors with a place."""
    parser = iterparse(stream, events=("start", "end"), forbid_dtd=True)
    try:
        yield from parser
    except ParseError as error:
        line, column = error.position
        raise FormatError(
            source, line, f"malformed XML at column {column + 1}: {error.msg}"
        ) from None
    except DefusedXmlException as error:
        raise FormatError(
            source, 0, f"refused as unsafe XML: {type(error).__name__} ({error})"
        ) from None


_WXR_STATES = {
    "1": ("approved", None),
    "0": ("pending", None),
    "spam": ("hidden", "spam"),
    "trash": ("hidden", "other"),
}


def read_wxr(path: Path, summary: ReadSummary) -> Iterator[IncomingArticle]:
    """Each post or page with comments, as it is read."""
    source = path_text(path)
    with path.open("rb") as stream:
        comments: list[IncomingComment] = []
        channel: Element | None = None
        for event, element in _events(stream, source):
            tag = element.tag
            if event == "start":
                if tag == "channel":
                    channel = element
                continue
            if _WP.match(tag) and tag.endswith("}comment"):
                comment = _wxr_comment(element, source, summary)
                if comment is not None:
                    comments.append(comment)
                element.clear()
            elif tag == "item":
                if comments:
                    yield _wxr_article(element, comments, source)
                comments = []
                element.clear()
                if channel is not None and any(child is element for child in channel[-1:]):
                    # The cleared shells of read items add up over a large file. (An item
                    # elsewhere, as a malformed file may have one, stays where it is.)
                    channel.remove(element)


def _wxr_comment(element: Element, source: str, summary: ReadSummary) -> IncomingComment | None:
    kind = _text(_child(element, "}comment_type"))
    if kind in {"pingback", "trackback"}:
        summary.skipped_pingbacks += 1
        return None
    posted = _gmt(_text(_child(element, "}comment_date_gmt")), source=source, line=0) or _gmt(
        _text(_child(element, "}comment_date")), source=source, line=0
    )
    state, reason = _WXR_STATES.get(_text(_child(element, "}comment_approved")), ("pending", None))
    parent = _text(_child(element, "}comment_parent"))
    return IncomingComment(
        author=_text(_child(element, "}comment_author")) or "(anonymous)",
        posted_at=posted or datetime(1970, 1, 1, tzinfo=UTC),
        body=plain_text(_text(_child(element, "}comment_content"))),
        external_id=_text(_child(element, "}comment_id")) or None,
        parent_external_id=None if parent in {"", "0"} else parent,
        state=state,
        reason=reason,
    )


def _wxr_article(element: Element, comments: list[IncomingComment], source: str) -> IncomingArticle:
    content = ""
    for child in element:
        if child.tag.endswith("}encoded") and "content" in child.tag:
            content = child.text or ""
    link = _text(element.find("link"))
    title = _text(element.find("title")) or link or "(untitled)"
    return IncomingArticle(
        title=title,
        body=plain_text(content) or title,
        source=link or source,
        comments=tuple(comments),
    )


@dataclass
class _Thread:
    title: str
    link: str
    comments: list[IncomingComment] = field(default_factory=list)


def read_disqus(path: Path, summary: ReadSummary) -> Iterator[IncomingArticle]:
    """Each thread with posts, once the file is read (posts may come before their thread)."""
    source = path_text(path)
    threads: dict[str, _Thread] = {}
    posts: list[tuple[str, IncomingComment]] = []
    with path.open("rb") as stream:
        depth = 0
        for event, element in _events(stream, source):
            if event == "start":
                depth += 1
                continue
            depth -= 1
            if depth != 1:
                continue  # only the root's children: <category>, <thread>, <post>
            name = element.tag.removeprefix(_DISQUS_NS)
            if name == "thread":
                key = element.get(_DSQ_ID, "")
                threads[key] = _Thread(
                    _text(_child(element, "}title")), _text(_child(element, "}link"))
                )
            elif name == "post":
                posts.append(_disqus_post(element, source))
            element.clear()
    for thread_key, comment in posts:
        thread = threads.get(thread_key)
        if thread is None:
            summary.skipped_orphans += 1
            summary.warnings.append(
                FormatWarning(
                    source,
                    0,
                    f"post {comment.external_id} belongs to no thread in the file; skipped",
                )
            )
            continue
        thread.comments.append(comment)
    for key, thread in threads.items():
        if thread.comments:
            title = thread.title or thread.link or f"Disqus thread {key}"
            yield IncomingArticle(
                title=title,
                body=title,
                source=thread.link or f"{source}#thread-{key}",
                comments=tuple(sorted(thread.comments, key=lambda c: c.posted_at)),
            )


def _disqus_post(element: Element, source: str) -> tuple[str, IncomingComment]:
    thread = _child(element, "}thread")
    parent = _child(element, "}parent")
    author = _child(element, "}author")
    name = (
        ""
        if author is None
        else _text(_child(author, "}name")) or _text(_child(author, "}username"))
    )
    deleted = _text(_child(element, "}isDeleted")) == "true"
    spam = _text(_child(element, "}isSpam")) == "true"
    state, reason = (
        ("hidden", "spam") if spam else ("hidden", "other") if deleted else ("pending", None)
    )
    return (
        "" if thread is None else thread.get(_DSQ_ID, ""),
        IncomingComment(
            author=name or "(anonymous)",
            posted_at=_gmt(_text(_child(element, "}createdAt")), source=source, line=0)
            or datetime(1970, 1, 1, tzinfo=UTC),
            body=plain_text(_text(_child(element, "}message"))) or "(deleted)",
            external_id=element.get(_DSQ_ID) or None,
            parent_external_id=None if parent is None else parent.get(_DSQ_ID) or None,
            state=state,
            reason=reason,
        ),
    )
