"""Makes comment markup (HTML, WordPress blocks) plain text in one left-to-right scan."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape

_BLOCKS = frozenset({"p", "div", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "pre"})
# Their content is shown as written, entities and all, up to their own end tag.
_RAW_TEXT = frozenset({"script", "style"})

# Every pattern below either matches where it is tried or fails having looked at most to the
# end of the body, and the scan never tries again behind a failure: possessive repeats, so
# that a failing match does not backtrack over what it consumed. (The standard HTMLParser
# retried an unfinished tag at every following "<": 400 KB of "x<" took a minute.)
#
# A start tag runs to its first ">" outside a quoted attribute value. A quote opens a value
# only after "=", as in HTML; one never closed is an unquoted value, which ends at white
# space or ">", so a stray quote does not swallow the rest of the comment.
_START_TAG = re.compile(
    r"""<([a-zA-Z][^\t\n\r\f />\x00]*+)"""
    r"""(?:[^>=]++|=\s*+(?:"[^"]*+"|'[^']*+'|[^\s>]*+))*+>"""
)
_END_TAG_NAME = re.compile(r"\s*+([a-zA-Z][^\t\n\r\f />\x00]*+)")
_COMMENT_END = re.compile(r"--\s*+>")
_SECTION_NAME = re.compile(r"[a-zA-Z][-_.a-zA-Z0-9]*+\s*+")
# Marked sections the standard parser knew, by how each one ends.
_SECTION_END = {
    **dict.fromkeys(("temp", "cdata", "ignore", "include", "rcdata"), re.compile(r"]\s*+]\s*+>")),
    **dict.fromkeys(("if", "else", "endif"), re.compile(r"]\s*+>")),
}
# Characters of text made tidy at a time (see _tidy).
_WINDOW = 16_384
_RAW_TEXT_END = {
    name: re.compile(rf"</\s*+{name}\s*+>", re.IGNORECASE) for name in sorted(_RAW_TEXT)
}


def plain_text(markup: str) -> str:
    """HTML (or WordPress blocks) as plain text: paragraphs apart by a blank line, a <br> a
    line break, every other tag, comment and marked section gone, entities decoded."""
    return _tidy("".join(_pieces(markup)))


def _tidy(text: str, window: int = _WINDOW) -> str:
    """Runs of white space as one space, a newline if they hold one, a blank line if more.

    Done a window at a time, cut at a space or a newline, so that the words held at once are
    few: split whole, a long body's words outgrew the processor's caches and a megabyte took
    several times longer per byte than ten kilobytes.
    """
    parts: list[str] = []
    # Newlines in the white space since the last word, which may span windows.
    newlines = 0
    start = 0
    # Where the next space and newline stand (-1: none left), so no stretch is searched twice.
    space = newline = 0
    while start < len(text):
        if 0 <= space < start + window:
            space = text.find(" ", start + window)
        if 0 <= newline < start + window:
            newline = text.find("\n", start + window)
        cut = min((mark + 1 for mark in (space, newline) if mark >= 0), default=len(text))
        chunk = text[start:cut]
        start = cut
        words = chunk.strip()
        if not words:
            newlines += chunk.count("\n")
            continue
        if parts:
            newlines += chunk.count("\n", 0, len(chunk) - len(chunk.lstrip()))
            parts.append("\n\n" if newlines > 1 else "\n" if newlines else " ")
        parts.append(_tidy_window(words))
        newlines = chunk.count("\n", len(chunk.rstrip()))
    return "".join(parts)


def _tidy_window(text: str) -> str:
    paragraphs: list[str] = []
    lines: list[str] = []
    for line in text.split("\n"):
        words = line.split()
        if words:
            lines.append(" ".join(words))
        elif lines:
            paragraphs.append("\n".join(lines))
            lines = []
    if lines:
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)


def _pieces(markup: str) -> Iterator[str]:
    """The text of ``markup`` in order, with a newline for a <br> and two for a block's edge.

    Whatever is left open at the end (a tag, a comment, a section) is the reader's text, kept
    as written: a "<" that opens nothing is a "<" the commenter typed.
    """
    at = 0
    while (opening := markup.find("<", at)) >= 0:
        if opening > at:
            yield unescape(markup[at:opening])
        at = opening
        step = _construct(markup, at)
        if step is None:
            break
        text, at = step
        yield text
    yield unescape(markup[at:])


def _construct(markup: str, at: int) -> tuple[str, int] | None:
    """What the "<" at ``at`` stands for, and where it ends; None if it is left open."""
    following = markup[at + 1 : at + 2]
    if following.isascii() and following.isalpha():
        return _start_tag(markup, at)
    if following == "/":
        return _end_tag(markup, at)
    if markup.startswith("<!--", at):
        comment = _COMMENT_END.search(markup, at + 4)
        return None if comment is None else ("", comment.end())
    if markup.startswith("<![", at):
        return _marked_section(markup, at)
    if following in {"!", "?"}:
        # A declaration (<!DOCTYPE ...>), a bogus comment or a processing instruction.
        end = markup.find(">", at + 2)
        return None if end < 0 else ("", end + 1)
    return "<", at + 1


def _start_tag(markup: str, at: int) -> tuple[str, int] | None:
    tag = _START_TAG.match(markup, at)
    if tag is None:
        return None
    name = tag[1].lower()
    if name == "br":
        return "\n", tag.end()
    if name in _BLOCKS:
        return "\n\n", tag.end()
    if name in _RAW_TEXT and not tag[0].endswith("/>"):
        close = _RAW_TEXT_END[name].search(markup, tag.end())
        end = len(markup) if close is None else close.start()
        return markup[tag.end() : end], end
    return "", tag.end()


def _end_tag(markup: str, at: int) -> tuple[str, int] | None:
    end = markup.find(">", at + 2)
    if end < 0:
        return None
    named = _END_TAG_NAME.match(markup, at + 2, end)
    return ("\n\n" if named is not None and named[1].lower() in _BLOCKS else ""), end + 1


def _marked_section(markup: str, at: int) -> tuple[str, int] | None:
    name = _SECTION_NAME.match(markup, at + 3)
    if at + 3 == len(markup) or (name is not None and name.end() == len(markup)):
        return None
    ending = None if name is None else _SECTION_END.get(name[0].strip().lower())
    if ending is None:
        # No section HTML knows ("<![foo]>"): no markup a comment means, so it stays text.
        end = markup.find(">", at)
        end = len(markup) if end < 0 else end + 1
        return markup[at:end], end
    section = ending.search(markup, at + 3)
    return None if section is None else ("", section.end())
