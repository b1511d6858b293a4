"""Checks an exported log (JSON Lines, or JSON as Moderator writes it) without the database.

Each entry's hash is taken again over its canonical text; entries that follow one another in
the chain must link (``prev`` is the hash before); the chain record at the end must agree with
what came before it. The first thing wrong is named by file and line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from moderator.formats.errors import FormatError
from moderator.formats.inert import json_plain
from moderator.formats.modlog import GENESIS, canonical_text, entry_from_object, text_hash

_HASH_TAIL = re.compile(r',"hash":"([0-9a-f]{64})"\}$')


@dataclass(frozen=True, slots=True)
class FileVerification:
    """What checking an export found: entries and links checked, and the chain record."""

    source: str
    entries: int
    links: int
    complete: bool
    head_seq: int
    head_hash: str


def verify_export(path: Path) -> FileVerification:
    """Check the export at ``path``; raises :class:`FormatError` naming the first bad line."""
    source = str(path)
    try:
        with path.open(encoding="utf-8-sig") as stream:
            return _Checker(source).run(_records(source, stream))
    except UnicodeDecodeError as error:
        raise FormatError(
            source, _undecodable_line(path), f"not UTF-8 text ({error.reason})"
        ) from None
    except OSError as error:
        raise FormatError(source, 0, error.strerror or str(error)) from None


def _undecodable_line(path: Path) -> int:
    """The first line of ``path`` that is not UTF-8 (0: none found)."""
    with path.open("rb") as stream:
        for number, line in enumerate(stream, 1):
            try:
                line.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                return number
    return 0


def _records(source: str, lines: Iterable[str]) -> Iterator[tuple[int, str]]:
    """(line number, record text) for JSON Lines, or for the entries of a JSON export."""
    numbered = enumerate(lines, 1)
    for number, line in numbered:
        text = line.rstrip("\r\n")
        if not text.strip():
            continue
        if text == '{"entries":[':
            yield from _json_entries(source, numbered)
            return
        yield number, text
        break
    for number, line in numbered:
        text = line.rstrip("\r\n")
        if text.strip():
            yield number, text


def _json_entries(source: str, numbered: Iterator[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    # Moderator writes a JSON export one entry per line; the chain comes after the array.
    for number, line in numbered:
        text = line.rstrip("\r\n")
        if text == "],":
            break
        if not text.strip():
            continue
        yield number, text.removesuffix(",")
    else:
        raise FormatError(source, 0, "the entries array never ends: the export is cut short")
    rest = "".join(line for _, line in numbered).strip()
    if not (rest.startswith('"chain":') and rest.endswith("}")):
        raise FormatError(source, 0, "no chain record after the entries")
    yield -1, '{"chain":' + rest.removeprefix('"chain":')


class _Checker:
    def __init__(self, source: str) -> None:
        self.source = source
        self.entries = 0
        self.links = 0
        self.previous: tuple[int, str] | None = None  # seq and hash of the entry before
        # Where the first entry is missing, named if the export claims the whole chain.
        self.first_gap: tuple[int, int] | None = None
        self.chain: dict[str, Any] | None = None

    def fail(self, line: int, reason: str) -> FormatError:
        return FormatError(self.source, max(line, 0), reason)

    def run(self, records: Iterable[tuple[int, str]]) -> FileVerification:
        for line, text in records:
            if self.chain is not None:
                raise self.fail(line, "an entry after the chain record")
            if text.startswith('{"chain":'):
                self.chain = self._chain_record(line, text)
            else:
                self._entry(line, text)
        return self._finish()

    def _entry(self, line: int, text: str) -> None:
        tail = _HASH_TAIL.search(text)
        if tail is None:
            raise self.fail(line, "not a log entry (no hash at its end)")
        claimed = tail.group(1)
        try:
            entry = entry_from_object(json.loads(text))
        except ValueError as error:  # JSONDecodeError is one
            raise self.fail(line, f"not a log entry: {error}") from None
        # Exports escape line separators and hidden characters the signed text has as
        # themselves (formats.inert); undone, the line must be that text exactly.
        signed = json_plain(text[: tail.start()]) + "}"
        if canonical_text(entry) != signed:
            raise self.fail(line, f"entry {entry.seq} is not in the log's canonical form")
        if text_hash(signed) != claimed:
            raise self.fail(line, f"entry {entry.seq} was changed: its hash does not match")
        if self.previous is not None:
            seq, digest = self.previous
            if entry.seq <= seq:
                raise self.fail(line, f"entry {entry.seq} comes after entry {seq}: out of order")
            if entry.seq == seq + 1:
                if entry.prev != digest:
                    raise self.fail(line, f"entry {entry.seq} does not follow entry {seq}")
                self.links += 1
            elif self.first_gap is None:
                self.first_gap = (line, seq + 1)
        elif entry.seq != 1:
            self.first_gap = (line, 1)
        else:
            if entry.prev != GENESIS:
                raise self.fail(line, "entry 1 does not start the chain")
            self.links += 1
        self.previous = (entry.seq, claimed)
        self.entries += 1

    def _chain_record(self, line: int, text: str) -> dict[str, Any]:
        try:
            chain = json.loads(text)["chain"]
            if not isinstance(chain, dict):
                raise TypeError("not an object")
            head_seq, head_hash = int(chain["head_seq"]), str(chain["head_hash"])
            count, complete = int(chain["entries"]), bool(chain["complete"])
        except (ValueError, KeyError, TypeError) as error:
            raise self.fail(line, f"the chain record is malformed ({error})") from None
        if complete and self.first_gap is not None:
            gap_line, missing = self.first_gap
            raise self.fail(
                gap_line, f"entry {missing} is missing, though the export claims the whole chain"
            )
        if count != self.entries:
            raise self.fail(
                line, f"the chain record counts {count:,} entries but {self.entries:,} precede it"
            )
        filters = chain.get("filters") if isinstance(chain, dict) else None
        if not complete and not filters:
            raise self.fail(
                line, "the export names no filter, so it must hold the whole chain, and does not"
            )
        if (
            self.previous is not None
            and self.previous[0] == head_seq
            and (self.previous[1] != head_hash)
        ):
            raise self.fail(line, f"entry {head_seq} is not the chain's head the export names")
        if complete:
            last = self.previous
            if self.links != self.entries or (last or (0, GENESIS)) != (head_seq, head_hash):
                raise self.fail(
                    line, f"the export claims the whole chain up to entry {head_seq} but lacks it"
                )
        elif self.previous is not None and self.previous[0] > head_seq:
            raise self.fail(line, f"entries go past the chain's head (entry {head_seq})")
        return {"head_seq": head_seq, "head_hash": head_hash, "complete": complete}

    def _finish(self) -> FileVerification:
        if self.chain is None:
            raise self.fail(0, "no chain record at the end: the export is cut short")
        return FileVerification(
            source=self.source,
            entries=self.entries,
            links=self.links,
            complete=self.chain["complete"],
            head_seq=self.chain["head_seq"],
            head_hash=self.chain["head_hash"],
        )
