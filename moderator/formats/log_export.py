"""Writes the moderation log as CSV, JSON Lines or JSON, streaming, with the chain's summary.

Every format carries a summary of the chain as it stood when the export began (its head entry
and hash, how many entries were written, whether they are all of them): JSON Lines as its last
record, JSON as the ``chain`` member, CSV in a side file (``FILE.chain.json``) so that the
sheet stays a plain table.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, TextIO

from moderator.formats import json_read
from moderator.formats.inert import json_inert, json_text, neutralised
from moderator.formats.modlog import FIELDS, json_line_of_row, time_text

__all__ = [
    "CSV_COLUMNS",
    "ChainSummary",
    "LogFormat",
    "neutralised",
    "side_file",
    "unusable",
    "write_log",
]

# How often (in entries) a long export reports progress.
PROGRESS_EVERY = 5000
# The entry's own fields (its link and evidence moved to the end, the time as written), the
# evidence read out for a spreadsheet, then the chain.
CSV_COLUMNS = (
    *(name for name in FIELDS if name not in {"prev", "evidence"}),
    "rule_hits",
    "text_sha256",
    "evidence",
    "prev",
    "hash",
)
Progress = Callable[[int], None]


class LogFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"
    JSON = "json"


# Each comment's current decision, for the publishing platform (moderator.log.export).
class DecisionFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"


@dataclass(frozen=True, slots=True)
class ChainSummary:
    """The chain as an export saw it: its head, and what part of it the export holds."""

    head_seq: int
    head_hash: str
    entries: int
    first_seq: int | None
    last_seq: int | None
    exported_at: datetime
    filters: Mapping[str, str] = field(default_factory=dict)
    last_hash: str | None = None

    @property
    def complete(self) -> bool:
        """Whether the export holds every entry up to the head, so its chain can be walked."""
        return not self.filters and self.entries == self.head_seq

    def as_object(self) -> dict[str, Any]:
        return {
            "head_seq": self.head_seq,
            "head_hash": self.head_hash,
            "entries": self.entries,
            "first_seq": self.first_seq,
            "last_seq": self.last_seq,
            "complete": self.complete,
            "exported_at": time_text(self.exported_at),
            "filters": dict(self.filters),
            # Named when known (the database's exports): a file cut short no longer ends there.
            **({} if self.last_hash is None else {"last_hash": self.last_hash}),
        }


def side_file(path: Path) -> Path:
    """Where a CSV export's chain summary goes."""
    return path.with_name(path.name + ".chain.json")


# An entry as a row: its values in ``modlog.FIELDS`` order, then its hash (``LogEntry.as_row``;
# the log's own reads give rows, not objects, to keep a million-entry export quick).
EntryRow = Sequence[Any]


class _Counted:
    """Passes entries through, counting them, noting the first and last, reporting progress."""

    def __init__(self, entries: Iterable[EntryRow], progress: Progress | None, every: int) -> None:
        self._entries = entries
        self._progress = progress
        self._every = every
        self.count = 0
        self.first_seq: int | None = None
        self.last_seq: int | None = None

    def __iter__(self) -> Iterator[EntryRow]:
        for entry in self._entries:
            if self.first_seq is None:
                self.first_seq = entry[0]
            self.last_seq = entry[0]
            self.count += 1
            if self._progress is not None and self.count % self._every == 0:
                self._progress(self.count)
            yield entry


def write_log(
    out: TextIO,
    entries: Iterable[EntryRow],
    *,
    log_format: LogFormat,
    summary: Callable[[int, int | None, int | None], ChainSummary],
    progress: Progress | None = None,
    progress_every: int = PROGRESS_EVERY,
) -> ChainSummary:
    """Write the entry rows to ``out`` as they come; ``summary(count, first, last)`` makes
    the chain record written at the end (for CSV the caller writes it to the side file).
    ``progress(count)`` is called every ``progress_every`` entries; it may raise to stop."""
    counted = _Counted(entries, progress, progress_every)
    if log_format is LogFormat.CSV:
        _write_csv(out, counted)
        return summary(counted.count, counted.first_seq, counted.last_seq)
    if log_format is LogFormat.JSONL:
        out.writelines(json_inert(json_line_of_row(entry)) + "\n" for entry in counted)
        made = summary(counted.count, counted.first_seq, counted.last_seq)
        out.write(json_text({"chain": made.as_object()}) + "\n")
        return made
    # One entry per line inside the array, so that the file can be read back line by line.
    out.write('{"entries":[\n')
    separator = ""
    for entry in counted:
        out.write(separator + json_inert(json_line_of_row(entry)))
        separator = ",\n"
    made = summary(counted.count, counted.first_seq, counted.last_seq)
    out.write('\n],\n"chain":' + json_text(made.as_object()) + "}\n")
    return made


# A stored entry row's columns, as messages name them.
STORED_COLUMNS = (
    "seq",
    "prev_hash",
    "created_at",
    "actor",
    "role",
    "action",
    "comment_id",
    "article_id",
    "from_status",
    "to_status",
    "escalated",
    "reason",
    "rule_set_version",
    "reverts",
    "note",
    "evidence",
    "hash",
)
_TEXT = (1, 3, 4, 5, 16)
_TEXT_OR_NOTHING = (8, 9, 11, 12, 14)
_WHOLE_OR_NOTHING = (6, 7, 13)
_FLAG_VALUES = (None, 0, 1)
# SQLite's text of a time, as the log stores it: "2026-11-28 09:30:00.000000".
_STORED_TIME_LENGTH = 26
_FLAG_TYPES = (type(None), int, bool)


def unusable(row: EntryRow) -> str | None:
    """What in a stored entry row the log never writes (SQLite keeps a value of any type
    in any column): the column and its value in words; None when every value is usable."""
    # One expression for the rows the log writes (nearly all of them), as it costs an export
    # less than half of what the checks one by one do; those name what is wrong.
    time, evidence, flag = row[2], row[15], row[10]
    if (
        str is row[1].__class__ is row[3].__class__ is row[4].__class__ is row[5].__class__
        and row[16].__class__ is str
        and (row[6] is None or row[6].__class__ is int)
        and (row[7] is None or row[7].__class__ is int)
        and (row[13] is None or row[13].__class__ is int)
        and (row[8] is None or row[8].__class__ is str)
        and (row[9] is None or row[9].__class__ is str)
        and (row[11] is None or row[11].__class__ is str)
        and (row[12] is None or row[12].__class__ is str)
        and (row[14] is None or row[14].__class__ is str)
        and (flag is None or (flag.__class__ in _FLAG_TYPES and flag in {0, 1}))
        and (
            evidence is None or (evidence.__class__ is str and _PLAIN_EVIDENCE.fullmatch(evidence))
        )
    ):
        return _unusable_time(time)
    return _wrong_type(row) or _unusable_time(row[2]) or _unusable_evidence(row[15])


def _wrong_type(row: EntryRow) -> str | None:
    for index in _TEXT:
        if row[index].__class__ is not str:
            return _said(index, row[index], "text")
    for index in _TEXT_OR_NOTHING:
        if row[index] is not None and row[index].__class__ is not str:
            return _said(index, row[index], "text or nothing")
    for index in _WHOLE_OR_NOTHING:
        if row[index] is not None and row[index].__class__ is not int:
            return _said(index, row[index], "a whole number or nothing")
    if row[10].__class__ not in _FLAG_TYPES or row[10] not in _FLAG_VALUES:
        return _said(10, row[10], "0, 1 or nothing")
    return None


def _unusable_time(time: object) -> str | None:
    if isinstance(time, datetime):  # a server's timestamp
        return None
    if time.__class__ is not str:
        return _said(2, time, "a time")
    assert isinstance(time, str)
    try:
        datetime.fromisoformat(time)
    except ValueError:
        return _said(2, time, "a time")
    if len(time) != _STORED_TIME_LENGTH or time[10] != " " or time[19] != ".":
        return _said(2, time, "a time as the log stores times")
    return None


# Most entries' evidence: no hits, only the text's hash; known valid without parsing it.
_PLAIN_EVIDENCE = re.compile(r'\{"hits":\[\],"text_sha256":"[0-9a-f]{64}"\}')


def _unusable_evidence(evidence: object) -> str | None:
    if evidence is None or (isinstance(evidence, str) and _PLAIN_EVIDENCE.fullmatch(evidence)):
        return None
    try:
        loaded = json_read.loads(evidence) if isinstance(evidence, str) else None
    except ValueError:
        loaded = None
    return None if isinstance(loaded, dict) else _said(15, evidence, "a JSON object's text")


def _said(index: int, value: object, wanted: str) -> str:
    shown = repr(value)
    shown = shown if len(shown) <= 60 else shown[:59] + "…"
    return f"its {STORED_COLUMNS[index]} holds {shown}, not {wanted}"


def _write_csv(out: TextIO, entries: Iterable[EntryRow]) -> None:
    """RFC 4180 rows, as ``csv.writer`` would write them (a field is quoted when it holds a
    comma, a quote or a line break), built by hand: the csv module spends four microseconds
    a row, more than everything else an export does."""
    lines = [",".join(CSV_COLUMNS)]
    for row in entries:
        hits, text_sha256 = _evidence_cells(row[15])
        lines.append(
            ",".join(
                (
                    str(row[0]),
                    time_text(row[2]),
                    _cell(neutralised(row[3])),
                    _token(row[4]),
                    _token(row[5]),
                    "" if row[6] is None else str(row[6]),
                    "" if row[7] is None else str(row[7]),
                    _token(row[8]),
                    _token(row[9]),
                    "" if row[10] is None else ("yes" if row[10] else "no"),
                    _token(row[11]),
                    _cell(neutralised(row[12] or "")),
                    "" if row[13] is None else str(row[13]),
                    _cell(neutralised(row[14] or "")),
                    _cell(hits),
                    _cell(text_sha256),
                    _cell(row[15] or ""),
                    _cell(row[1]),
                    _cell(row[16]),
                )
            )
        )
        if len(lines) >= _CSV_FLUSH:
            out.write("\r\n".join(lines) + "\r\n")
            lines = []
    if lines:
        out.write("\r\n".join(lines) + "\r\n")


_CSV_FLUSH = 2000
_CSV_TOKENS: dict[str | None, str] = {None: ""}


def _cell(text: str) -> str:
    """A CSV field: quoted (quotes doubled) when it holds a separator, a quote or a line
    break."""
    if '"' in text:
        return '"' + text.replace('"', '""') + '"'
    # A semicolon or a tab too: spreadsheets in many locales split cells on them, and a
    # formula after one would run.
    if "," in text or "\n" in text or "\r" in text or ";" in text or "\t" in text:
        return '"' + text + '"'
    return text


def _token(value: str | None) -> str:
    """:func:`_cell` of a value that repeats (names, statuses, codes), worked out once; a
    value that starts like a formula is neutralised too."""
    found = _CSV_TOKENS.get(value)
    if found is None:
        found = _cell(neutralised(str(value)))
        if len(_CSV_TOKENS) < 4096:
            _CSV_TOKENS[value] = found
    return found


# A decision on a comment no rule flagged: its evidence is only the text's hash.
_NO_HITS = '{"hits":[],"text_sha256":"'


def _evidence_cells(evidence: str | None) -> tuple[str, str]:
    """(rule hits in one line, text hash) of an entry's evidence text."""
    if evidence is None:
        return "", ""
    if evidence.startswith(_NO_HITS) and len(evidence) == len(_NO_HITS) + 66:
        return "", evidence[len(_NO_HITS) : -2]  # most entries: no JSON to parse
    try:
        loaded = json_read.loads(evidence)
    except ValueError:
        return "", ""  # `log verify` names the entry
    if not isinstance(loaded, dict):
        return "", ""  # not as the log writes evidence: `log verify` names the entry
    return neutralised(hits_summary(loaded)), str(loaded.get("text_sha256", ""))


def hits_summary(evidence: Mapping[str, Any]) -> str:
    """The rule hits of an evidence object in one line: ``rule (severity): "words"; ...``."""
    parts = []
    for hit in evidence.get("hits", ()):
        matched = ", ".join(f'"{text}"' for text in hit.get("matched", ()))
        parts.append(
            f"{hit.get('rule')} ({hit.get('severity')})" + (f": {matched}" * bool(matched))
        )
    return "; ".join(parts)
