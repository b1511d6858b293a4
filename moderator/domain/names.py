"""What a person's name at the desk may be: one spelling, every character seen, no look-alike."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable
from functools import cache
from importlib.resources import files

from moderator.domain import SYSTEM
from moderator.domain.errors import ServiceError

# The log names the rules and an unnamed import ``system`` (stats, the ranker and the log
# window tell people from it by that name), the log window says "system (rules)", and a role's
# name would read as a role, not a person. Login names such as ``root`` stay usable: they are
# the desk's default name where nobody chose one.
RESERVED_NAMES = frozenset({SYSTEM, "rules", "editor", "moderator"})
MAX_NAME_LENGTH = 200  # the profile table's column
# Format characters that reorder text (Trojan Source): named apart from the merely invisible.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Default_Ignorable code points outside category Cf (fillers, joiners, variation selectors):
# they print as nothing, so ``ed`` and ``ed`` plus one of them would look the same.
_IGNORABLE = frozenset(
    "\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180e\u180f\u2800\u3164\uffa0"
    + "".join(map(chr, range(0xFE00, 0xFE10)))
)


class ProfileNameError(ServiceError):
    """A name refused for a person: the message names the character or profile at fault."""


def shown(name: str) -> str:
    """``name`` quoted, every character that would not print as itself written as ``<U+XXXX>``."""
    return "'" + "".join(c if _printable(c) else f"<U+{ord(c):04X}>" for c in name) + "'"


def _printable(char: str) -> bool:
    return char == " " or (unicodedata.category(char)[0] not in "CZ" and char not in _IGNORABLE)


def _describe(char: str) -> str:
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" {name}" if name else "")


# Unicode general categories a name may not use, by what to call them.
_FAULTS = {
    "Cc": "a control character",
    "Cf": "an invisible character",
    "Zs": "a space or line break other than the plain space",
    "Zl": "a space or line break other than the plain space",
    "Zp": "a space or line break other than the plain space",
    "Co": "a private-use or unassigned character",
    "Cs": "a private-use or unassigned character",
    "Cn": "a private-use or unassigned character",
}


def _fault(char: str) -> str | None:
    """What is wrong with ``char`` in a person's name, or None."""
    if char == " ":
        return None
    if char in _BIDI:
        return "a bidirectional control character"
    if char in _IGNORABLE:
        return _FAULTS["Cf"]
    return _FAULTS.get(unicodedata.category(char))


def spelled(raw: str) -> str:
    """``raw`` in the one spelling profiles are stored in: NFC (``e`` and a combining accent
    become ``é``), outer spaces removed, inner runs of spaces made one."""
    return " ".join(part for part in unicodedata.normalize("NFC", raw).strip().split(" ") if part)


def normal_name(raw: str) -> str:
    """``raw`` as stored (:func:`spelled`), refused (``ProfileNameError``) for a character
    that does not print as itself or a reserved name; an empty result is the caller's to
    refuse."""
    name = spelled(raw)
    for char in name:
        fault = _fault(char)
        if fault is not None:
            raise ProfileNameError(
                f"the name {shown(name)} has {fault} ({_describe(char)}): a name must print"
                " as it reads, so that nobody can pass for someone else"
            )
    if len(name) > MAX_NAME_LENGTH:
        raise ProfileNameError(
            f"the name is {len(name)} characters long; the limit is {MAX_NAME_LENGTH}"
        )
    key = look_alike_key(name)
    for reserved in sorted(RESERVED_NAMES):
        if key == look_alike_key(reserved):
            raise ProfileNameError(
                f"the name {shown(name)} is reserved: {reserved!r} stands for the desk's own"
                " entries or a role in the log, never for a person"
            )
    return name


def refuse_look_alike(name: str, existing: Iterable[str]) -> None:
    """Refuse a new profile ``name`` that would print like one of the ``existing`` names
    (``ProfileNameError``, naming the profile and the characters that differ)."""
    key = look_alike_key(name)
    for other in existing:
        if other != name and look_alike_key(other) == key:
            differ = [c for c in dict.fromkeys(name) if c not in other]
            detail = f" (it has {', '.join(map(_describe, differ))})" if differ else ""
            raise ProfileNameError(
                f"the name {shown(name)} looks like the existing profile {shown(other)}{detail}:"
                f" choose a name that reads differently, or act as {shown(other)}"
            )


def look_alike_key(name: str) -> str:
    """Equal for names a reader could take for each other: the Unicode TR39 skeleton, taken
    again after case folding (``Ed`` and ``ed`` name the same person in a log)."""
    return skeleton(skeleton(name).casefold())


def skeleton(text: str) -> str:
    """The TR39 skeleton: NFD, each character replaced by its confusable prototype, NFD."""
    prototypes = _prototypes()
    decomposed = unicodedata.normalize("NFD", text)
    mapped = "".join(prototypes.get(char, char) for char in decomposed)
    return unicodedata.normalize("NFD", mapped)


@cache
def _prototypes() -> dict[str, str]:
    """Each confusable character's prototype, from Unicode's confusables.txt as the
    ``confusable_homoglyphs`` package ships it.

    The package keeps each source → prototype line of that file as a link both ways, so the
    direction is read back: a prototype is linked to many sources, a source to its one
    prototype (a sequence, for some). A pair linked only to each other could be either way
    round; both are mapped to the lesser, which makes the same names equal.
    """
    data = files("confusable_homoglyphs").joinpath("confusables.json").read_text("utf-8")
    links: dict[str, list[str]] = {
        key: [entry["c"] for entry in entries] for key, entries in json.loads(data).items()
    }
    prototypes: dict[str, str] = {}
    for char, linked in links.items():
        if len(char) != 1 or len(linked) != 1:
            continue
        (target,) = linked
        if len(target) > 1 or len(links.get(target, ())) > 1:
            prototypes[char] = target
        elif target != char:
            lesser = min(char, target)
            prototypes[char] = lesser
            prototypes[target] = lesser
    # A prototype maps to itself, and NFD's output is what gets looked up.
    return {
        char: unicodedata.normalize("NFD", target)
        for char, target in prototypes.items()
        if char != target
    }
