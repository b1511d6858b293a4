"""Checks an exported log (JSON Lines, or JSON as Moderator writes it) without the database.

Each entry's hash is taken again over its canonical text; entries that follow one another in
the chain must link (``prev`` is the hash before); the chain record at the end must agree with
what came before it exactly (how many entries, the first and the last, the last one's hash).
The first thing wrong is named by file and line.

A file whose record was written anew to fit entries cut off or taken out cannot be told from
an honest one by itself: only a head kept elsewhere (``log head``) can, given as ``anchor``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from moderator.formats import json_read
from moderator.formats.errors import FormatError
from moderator.formats.inert import json_plain
from moderator.formats.modlog import (
    GENESIS,
    LogEntry,
    canonical_text,
    entry_from_object,
    text_hash,
)
from moderator.output.display import path_text

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


def verify_export(path: Path, *, anchor: tuple[int, str] | None = None) -> FileVerification:
    """Check the export at ``path``; raises :class:`FormatError` naming the first bad line.
    ``anchor`` (entry number, hash), a head kept elsewhere: a whole-chain export must hold
    that entry unchanged, and a filtered one must not contradict it."""
    source = path_text(path)
    try:
        with path.open(encoding="utf-8-sig") as stream:
            return _Checker(source, anchor).run(_records(source, stream))
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


_SELECTED = ("actor", "action", "reason", "article_id", "comment_id")
_TIMES = ("since", "until")


def _moment(value: object) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a time")
    moment = datetime.fromisoformat(value)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _seq_or_none(value: object) -> int | None:
    if value is None:
        return None
    if type(value) is not int:
        raise TypeError(f"{value!r} is not an entry number")
    return value


class _Checker:
    def __init__(self, source: str, anchor: tuple[int, str] | None = None) -> None:
        self.source = source
        self.anchor = anchor
        self.first_seq: int | None = None
        self.anchor_seen = False
        self.entries = 0
        self.links = 0
        self.previous: tuple[int, str] | None = None  # seq and hash of the entry before
        # Where the first entry is missing, named if the export claims the whole chain.
        self.first_gap: tuple[int, int] | None = None
        # Where the entries after the first leave numbers out (first such place), and what
        # the entries hold that a filter selects on, to be held against the record's filters.
        self.inner_gap: tuple[int, int] | None = None
        self.seen: dict[str, set[Any]] = {name: set() for name in _SELECTED}
        self.times: list[datetime] = []
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
            entry = entry_from_object(json_read.loads(text))
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
        self._counted(line, entry, claimed)

    def _counted(self, line: int, entry: LogEntry, digest: str) -> None:
        before = self.previous
        if before is not None and entry.seq > before[0] + 1 and self.inner_gap is None:
            self.inner_gap = (line, before[0] + 1)
        self._anchored(line, entry.seq, digest)
        self._note_selected(entry)
        self.first_seq = entry.seq if self.first_seq is None else self.first_seq
        self.previous = (entry.seq, digest)
        self.entries += 1

    def _chain_record(self, line: int, text: str) -> dict[str, Any]:
        try:
            chain = json_read.loads(text)["chain"]
            if not isinstance(chain, dict):
                raise TypeError("not an object")
            head_seq, head_hash = int(chain["head_seq"]), str(chain["head_hash"])
            count, complete = int(chain["entries"]), bool(chain["complete"])
            first_seq, last_seq = _seq_or_none(chain["first_seq"]), _seq_or_none(chain["last_seq"])
        except (ValueError, KeyError, TypeError) as error:
            raise self.fail(line, f"the chain record is malformed ({error})") from None
        self._check_anchor(line, head_seq, complete=complete)
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
        self._check_ends(line, chain, first_seq, last_seq)
        if filters:
            self._check_filters(line, filters)
        return {"head_seq": head_seq, "head_hash": head_hash, "complete": complete}

    def _check_ends(
        self, line: int, chain: dict[str, Any], first_seq: int | None, last_seq: int | None
    ) -> None:
        last = self.previous
        if (first_seq, last_seq) != (self.first_seq, None if last is None else last[0]):
            raise self.fail(
                line,
                f"the chain record covers entries {first_seq} to {last_seq}, but the file holds"
                f" {self.first_seq} to {None if last is None else last[0]}: entries were cut"
                " off or added",
            )
        # Exports before the record named its last hash lack it; a record that names one
        # must name this file's.
        if "last_hash" in chain and chain["last_hash"] != (None if last is None else last[1]):
            raise self.fail(line, "the chain record names another last entry (its hash differs)")

    def _note_selected(self, entry: LogEntry) -> None:
        for name, value in (
            ("actor", entry.actor),
            ("action", entry.action),
            ("reason", entry.reason),
            ("article_id", entry.article),
            ("comment_id", entry.comment),
        ):
            seen = self.seen[name]
            if len(seen) <= 1:  # one value is all a filter allows
                seen.add(value)
        if not self.times:
            self.times = [entry.time, entry.time]
        self.times = [min(self.times[0], entry.time), max(self.times[1], entry.time)]

    def _check_filters(self, line: int, filters: object) -> None:
        """The entries must be ones the record's filters select; and where only time
        selects, none can be missing between two of them (their neighbours' times hold it)."""
        if not isinstance(filters, dict) or not set(filters) <= {*_SELECTED, *_TIMES, "text"}:
            raise self.fail(
                line, f"the chain record names filters this check does not know: {filters!r}"
            )
        for name in _SELECTED:
            if name in filters and {str(value) for value in self.seen[name]} - {str(filters[name])}:
                raise self.fail(line, f"the export holds entries its filter on {name} leaves out")
        try:
            since = _moment(filters.get("since"))
            until = _moment(filters.get("until"))
        except ValueError as error:
            raise self.fail(
                line, f"the chain record's time filter is malformed ({error})"
            ) from None
        if self.times and (
            (since is not None and self.times[0] < since)
            or (until is not None and self.times[1] >= until)
        ):
            raise self.fail(line, "the export holds entries its time filter leaves out")
        if self.inner_gap is not None and set(filters) <= set(_TIMES):
            gap_line, missing = self.inner_gap
            raise self.fail(
                gap_line,
                f"entry {missing} is missing, though the export selects only by time and the"
                " entries around it are in",
            )

    def _anchored(self, line: int, seq: int, digest: str) -> None:
        if self.anchor is None or seq != self.anchor[0]:
            return
        if digest != self.anchor[1]:
            raise self.fail(
                line,
                f"entry {seq} is not the one the anchor names (its hash differs): the log was"
                " rewritten up to there",
            )
        self.anchor_seen = True

    def _check_anchor(self, line: int, head_seq: int, *, complete: bool) -> None:
        if self.anchor is None or self.anchor_seen or self.anchor[0] == 0:
            return
        if head_seq < self.anchor[0]:
            raise self.fail(
                line,
                f"the export's log ends at entry {head_seq}, but the anchor shows it reached"
                f" entry {self.anchor[0]}: entries were cut off the end",
            )
        if complete:
            raise self.fail(
                line, f"the export lacks entry {self.anchor[0]}, which the anchor names"
            )

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
