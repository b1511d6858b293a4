"""How untrusted text is shown: characters that hide or reorder text made visible as markers.

Comments and names come from anyone. A right-to-left override (U+202E) can make "txt.exe"
read as "exe.txt", zero-width characters can hide inside a word, and control characters can
do worse in a terminal. Shown text replaces each such character with a marker that names it,
``⟨U+202E⟩``, and keeps a map from offsets in the original text (where rule hits point) to
offsets in the shown one.
"""

from __future__ import annotations

import bisect
import functools
import os
import re
import unicodedata
from dataclasses import dataclass

# Format characters (zero-width, bidi controls, soft hyphen...), controls, private use,
# unassigned code points and lone surrogates. Line breaks and tabs are layout, not hidden.
_HIDDEN_CATEGORIES = frozenset({"Cf", "Cc", "Co", "Cn", "Cs"})
_LAYOUT = frozenset("\n\t")


def hidden(char: str) -> bool:
    """Whether ``char`` would be invisible, or would change how the text around it reads."""
    return char not in _LAYOUT and unicodedata.category(char) in _HIDDEN_CATEGORIES


def marker(char: str) -> str:
    return f"\u27e8U+{ord(char):04X}\u27e9"


@dataclass(frozen=True, slots=True)
class Revealed:
    """Text as shown: ``pieces`` in order, each (text, is_marker); offsets map through
    :meth:`position`."""

    pieces: tuple[tuple[str, bool], ...]
    # Original offsets of the hidden characters, and how much longer the shown text is after
    # each of them (a marker replaces one character).
    _hidden_at: tuple[int, ...]
    _grown: tuple[int, ...]

    @property
    def text(self) -> str:
        return "".join(piece for piece, _ in self.pieces)

    def position(self, offset: int) -> int:
        """Where the character at ``offset`` of the original text is in the shown text."""
        before = bisect.bisect_left(self._hidden_at, offset)
        return offset + (self._grown[before - 1] if before else 0)


# Every character that may be hidden: all but printable ASCII and the layout characters.
_MAYBE_HIDDEN = re.compile(r"[^\x20-\x7e\n\t]")


def reveal(text: str) -> Revealed:
    """``text`` with every hidden character as a marker; most texts come back as one piece."""
    pieces: list[tuple[str, bool]] = []
    hidden_at: list[int] = []
    grown: list[int] = []
    start = 0
    extra = 0
    # Only the characters outside printable ASCII are looked up: a thousand comments of a
    # thread are revealed for the terminal in a few milliseconds rather than tens.
    for found in _MAYBE_HIDDEN.finditer(text):
        char = found.group()
        if not hidden(char):
            continue
        offset = found.start()
        if offset > start:
            pieces.append((text[start:offset], False))
        shown = marker(char)
        pieces.append((shown, True))
        extra += len(shown) - 1
        hidden_at.append(offset)
        grown.append(extra)
        start = offset + 1
    if start < len(text) or not pieces:
        pieces.append((text[start:], False))
    return Revealed(tuple(pieces), tuple(hidden_at), tuple(grown))


def one_line(text: str, limit: int) -> str:
    """A short single-line preview: hidden characters revealed, runs of space as one, at most
    ``limit`` characters (read from the start only, so a megabyte comment costs no more)."""
    return " ".join(reveal(text[: limit * 2]).text.split())[:limit]


# Characters worth a look: all but printable ASCII and the line breaks and tabs of layout. A
# carriage return is harmless only as the first half of a CRLF line end (CSV rows end so);
# alone it sends the cursor back over what was printed.
_CANDIDATES = re.compile(r"\r\n|[^\x20-\x7e\n\t]")


@functools.lru_cache(maxsize=4096)
def _shown_char(char: str) -> str:
    return marker(char) if hidden(char) else char


def _shown(match: re.Match[str]) -> str:
    found = match.group()
    return found if found == "\r\n" else _shown_char(found)


def inert(text: str) -> str:
    """``text`` safe to print on a terminal: every hidden character (escape sequences, C1
    controls, bidi overrides, zero-width characters...) as its marker, as the window shows
    it; line breaks and tabs kept."""
    return _CANDIDATES.sub(_shown, text)


def inert_line(text: str) -> str:
    """:func:`inert`, kept to one line: line breaks and tabs as markers too."""
    shown = inert(text)
    if "\n" in shown or "\t" in shown:
        shown = shown.replace("\r\n", marker("\r") + "\n")
        shown = shown.replace("\n", marker("\n")).replace("\t", marker("\t"))
    return shown


def path_text(path: str | os.PathLike[str]) -> str:
    """A file's name as text to show and store: bytes that are not UTF-8 (which Python keeps
    as lone surrogates, unprintable and unstorable) written as ``\\xff`` escapes."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")
