"""Reads platform exports: WordPress WXR (1.0-1.2) and Disqus XML, as hostile input.

The XML goes through defusedxml: a DTD, an entity declaration or an external reference is
refused (so entity-expansion bombs and external entities never expand), and the file is read
as a stream, each article handed over as soon as it is complete, so memory stays bounded
whatever the file's size. A malformed file raises :class:`FormatError` with the line and
column; what was handed over before it is for the caller to keep or drop.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from moderator.formats.errors import FormatError, FormatWarning, not_set_aside
from moderator.formats.html_text import plain_text
from moderator.formats.records import IncomingArticle, IncomingComment, dated
from moderator.output.display import path_text

# Opens the file a reader reads: the importer's checks that it is still a regular file go
# with the opening itself, so nothing can be swapped in between.
Opener = Callable[[Path], IO[bytes]]


def open_binary(path: Path) -> IO[bytes]:
    return path.open("rb")


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


def read_wxr(
    path: Path, summary: ReadSummary, *, opener: Opener = open_binary
) -> Iterator[IncomingArticle]:
    """Each post or page with comments, as it is read."""
    source = path_text(path)
    with opener(path) as stream:
        comments: list[IncomingComment] = []
        open_items = 0
        ancestors: list[Element] = []
        for event, element in _events(stream, source):
            tag = element.tag
            if event == "start":
                ancestors.append(element)
                open_items += tag == "item"
                continue
            ancestors.pop()
            if _WP.match(tag) and tag.endswith("}comment"):
                comment = _wxr_comment(element, source, summary)
                if comment is not None:
                    comments.append(comment)
                element.clear()
            elif tag == "item":
                open_items -= 1
                if comments:
                    yield _wxr_article(element, comments, source)
                comments = []
                element.clear()
            if not open_items:
                # Outside an item nothing is read again: whatever has ended goes (read items,
                # and the channel's tags, authors and terms, however many), so memory does not
                # grow with the file.
                _drop_ended(ancestors, element)


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


def read_disqus(
    path: Path, summary: ReadSummary, *, recover: bool = False, opener: Opener = open_binary
) -> Iterator[IncomingArticle]:
    """Each thread with posts, once the file is read (posts may come before their thread).

    Threads and posts wait in a temporary database on disk, not in memory, so memory does not
    grow with the file. With ``recover``, a fault in the file first hands over the threads
    and posts read before it, then is raised; without, it is raised at once. A temporary
    folder that cannot take them (a full disk) is a :class:`FormatError` naming it.
    """
    source = path_text(path)
    try:
        yield from _read_disqus(path, source, summary, recover=recover, opener=opener)
    except sqlite3.Error as error:
        raise not_set_aside(source, "posts", error) from None


def _read_disqus(
    path: Path, source: str, summary: ReadSummary, *, recover: bool, opener: Opener
) -> Iterator[IncomingArticle]:
    with closing(_Spill()) as spill:
        fault: FormatError | None = None
        with opener(path) as stream:
            try:
                _spill_disqus(stream, source, spill)
            except FormatError as error:
                if not recover:
                    raise
                fault = error
        yield from spill.articles(source, summary)
        if fault is not None:
            raise fault


_READ = frozenset({"category", "thread", "post"})


def _drop_ended(ancestors: list[Element], element: Element) -> None:
    """Takes an element that has just ended out of its parent. Its earlier siblings went
    when they ended, so it is the first child; later ones may be there already, as the
    parser builds a whole chunk of the file before its events are read."""
    if ancestors and len(parent := ancestors[-1]) and parent[0] is element:
        del parent[0]


def _spill_disqus(stream: IO[bytes], source: str, spill: _Spill) -> None:
    root: Element | None = None
    depth = 0
    ancestors: list[Element] = []
    for event, element in _events(stream, source):
        if event == "start":
            depth += 1
            ancestors.append(element)
            if root is None:
                root = element
            continue
        depth -= 1
        ancestors.pop()
        if depth != 1:
            # Only the root's children are read (<category>, <thread>, <post>); inside any
            # other, whatever has ended goes, or a wrapper of a million posts would keep them.
            if len(ancestors) >= 2 and ancestors[1].tag.removeprefix(_DISQUS_NS) not in _READ:
                _drop_ended(ancestors, element)
            continue
        name = element.tag.removeprefix(_DISQUS_NS)
        if name == "thread":
            spill.thread(
                element.get(_DSQ_ID, ""),
                title=_text(_child(element, "}title")),
                link=_text(_child(element, "}link")),
            )
        elif name == "post":
            spill.post(*_disqus_post(element, source))
        # The root would otherwise keep every read child, emptied, to the end of the file.
        assert root is not None
        root.clear()
    spill.flush()


# Orphan posts named one by one in the warnings; more are counted in one.
_LISTED_ORPHANS = 20
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


class _Spill:
    """A Disqus file's threads and posts on disk until the file is read, then read back one
    thread at a time with its posts in time order."""

    _BATCH = 1000

    def __init__(self) -> None:
        # An empty name is SQLite's private temporary file, in the system's temporary folder
        # and deleted when closed, whatever ends the run.
        self._db = sqlite3.connect("")
        self._db.executescript(
            """
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            CREATE TABLE thread (key TEXT PRIMARY KEY, title TEXT, link TEXT, seq INTEGER);
            CREATE TABLE post (
                seq INTEGER PRIMARY KEY, thread TEXT, posted INTEGER, author TEXT, body TEXT,
                external_id TEXT, parent TEXT, state TEXT, reason TEXT
            );
            """
        )
        self._threads = 0
        self._posts: list[tuple[object, ...]] = []

    def close(self) -> None:
        self._db.close()

    def thread(self, key: str, *, title: str, link: str) -> None:
        # A thread given twice keeps its first place and its last title, as a dict would.
        self._threads += 1
        self._db.execute(
            "INSERT INTO thread VALUES (?, ?, ?, ?) ON CONFLICT (key)"
            " DO UPDATE SET title = excluded.title, link = excluded.link",
            (key, title, link, self._threads),
        )

    def post(self, thread: str, comment: IncomingComment) -> None:
        posted = (comment.posted_at - _EPOCH) // _MICROSECOND
        self._posts.append(
            (
                thread,
                posted,
                comment.author,
                comment.body,
                comment.external_id,
                comment.parent_external_id,
                comment.state,
                comment.reason,
            )
        )
        if len(self._posts) >= self._BATCH:
            self.flush()

    def flush(self) -> None:
        self._db.executemany(
            "INSERT INTO post (thread, posted, author, body, external_id, parent, state, reason)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            self._posts,
        )
        self._posts.clear()

    def articles(self, source: str, summary: ReadSummary) -> Iterator[IncomingArticle]:
        self.flush()
        orphans = self._db.execute(
            "SELECT external_id FROM post WHERE thread NOT IN (SELECT key FROM thread) ORDER BY seq"
        )
        for (external_id,) in orphans:
            summary.skipped_orphans += 1
            if summary.skipped_orphans <= _LISTED_ORPHANS:
                summary.warnings.append(
                    FormatWarning(
                        source, 0, f"post {external_id} belongs to no thread in the file; skipped"
                    )
                )
        if summary.skipped_orphans > _LISTED_ORPHANS:
            summary.warnings.append(
                FormatWarning(
                    source,
                    0,
                    f"{summary.skipped_orphans - _LISTED_ORPHANS} more posts belong to no"
                    " thread in the file; skipped",
                )
            )
        self._db.execute("CREATE INDEX post_by_thread ON post (thread, posted, seq)")
        threads = self._db.execute("SELECT key, title, link FROM thread ORDER BY seq")
        for key, title, link in threads:
            comments = tuple(
                IncomingComment(
                    author=author,
                    posted_at=_EPOCH + posted * _MICROSECOND,
                    body=body,
                    external_id=external_id,
                    parent_external_id=parent,
                    state=state,
                    reason=reason,
                )
                for posted, author, body, external_id, parent, state, reason in self._db.execute(
                    "SELECT posted, author, body, external_id, parent, state, reason FROM post"
                    " WHERE thread = ? ORDER BY posted, seq",
                    (key,),
                )
            )
            if comments:
                named = title or link or f"Disqus thread {key}"
                yield IncomingArticle(
                    title=named,
                    body=named,
                    source=link or f"{source}#thread-{key}",
                    comments=comments,
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
