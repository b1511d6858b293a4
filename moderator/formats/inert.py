"""Exported text that cannot act: CSV cells no spreadsheet runs, JSON no reader splits or hides.

Every CSV and JSON the project writes passes its untrusted text through here, so the guard is
the same for the log, the decisions, the insights and the command line's ``--json``.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from moderator.output.display import hidden

# A spreadsheet runs a cell that starts with one of these as a formula (OWASP's list, with the
# line feed and the full-width forms some spreadsheets also read). A leading apostrophe makes
# it text; cells that already start with one get another, so the mark can always be taken off.
_FORMULA_STARTS = "=+-@\t\r\n'\uff1d\uff0b\uff0d\uff20"
# Where a spreadsheet may start a cell inside one of ours: after a semicolon (the separator
# where the decimal mark is a comma, and there a comma file's quotes no longer stand at a
# cell's start, so they protect nothing), a tab, or a line break. Spaces before the formula
# are skipped by readers that trim cells. The same apostrophe goes in before the formula.
_INNER_FORMULA = re.compile(f"([;\\t\\r\\n] *)(?=[{re.escape(_FORMULA_STARTS)}])")
_INNER_SEPARATORS = (";", "\t", "\r", "\n")


def neutralised(cell: str) -> str:
    """A CSV cell a spreadsheet will show as text, never run as a formula, in any locale."""
    if not cell:
        return cell
    if any(separator in cell for separator in _INNER_SEPARATORS):
        cell = _INNER_FORMULA.sub(r"\1'", cell)
    return "'" + cell if cell.lstrip(" ")[:1] in _FORMULA_STARTS else cell


# Besides what a JSON encoder escapes anyway (C0 controls, quotes, backslashes): the line and
# paragraph separators and NEL, which line-based readers (and JavaScript before ES2019) take
# for line ends, and every character the window shows as a marker (DEL, C1 controls, bidi
# overrides, zero-width characters, unassigned code points...), so a JSON file shown in a
# terminal or an editor cannot hide or move text.
_CANDIDATES = re.compile(r"[^\x20-\x7e]")
_LINE_ENDS = frozenset("\u2028\u2029\u0085")


@functools.lru_cache(maxsize=4096)
def _json_char(char: str) -> str:
    if char == "\n" or not (char in _LINE_ENDS or hidden(char)):
        return char
    code = ord(char)
    if code > 0xFFFF:  # JSON spells a character outside the BMP as its UTF-16 pair
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def json_inert(text: str) -> str:
    """JSON text (as ``json.dumps(..., ensure_ascii=False)`` writes it) with the characters
    above escaped; the value it reads back as is unchanged."""
    # Most lines end here: in ASCII only DEL is left to escape (the encoder took the C0
    # controls), and no character above is printable.
    if (text.isascii() and "\x7f" not in text) or text.isprintable():
        return text
    return _CANDIDATES.sub(lambda found: _json_char(found.group()), text)


def json_text(document: Any, *, indent: int | None = None) -> str:
    """``document`` as JSON, non-ASCII text as itself but every character above escaped."""
    return json_inert(json.dumps(document, ensure_ascii=False, indent=indent))


# What json_inert adds, read back: an escape of a character from DEL up (the encoder itself
# writes none), a UTF-16 pair first; an escaped backslash is passed over whole.
_ADDED_ESCAPE = re.compile(
    r"\\\\"
    r"|\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})"
    r"|\\u(007f|00[89a-f][0-9a-f]|0[1-9a-f][0-9a-f]{2}|[1-9a-f][0-9a-f]{3})"
)


def _unescaped(found: re.Match[str]) -> str:
    high, low, single = found.groups()
    if single is not None:
        return chr(int(single, 16))
    if high is not None:
        return chr(0x10000 + ((int(high, 16) - 0xD800) << 10) + int(low, 16) - 0xDC00)
    return found.group()


def json_plain(text: str) -> str:
    """``text`` with the escapes :func:`json_inert` adds undone: the text the encoder wrote."""
    return _ADDED_ESCAPE.sub(_unescaped, text) if "\\u" in text else text
