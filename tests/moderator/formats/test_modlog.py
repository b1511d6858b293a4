"""The log's record format: canonical text, hashes, exports, and checking an export offline."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from moderator.formats.errors import FormatError
from moderator.formats.log_export import (
    CSV_COLUMNS,
    ChainSummary,
    LogFormat,
    hits_summary,
    neutralised,
    write_log,
)
from moderator.formats.log_file import verify_export
from moderator.formats.modlog import (
    FIELDS,
    GENESIS,
    LogEntry,
    as_json_line,
    canonical_text,
    entry_from_object,
    entry_hash,
    evidence_text,
    parse_time,
    time_text,
)

T0 = datetime(2026, 11, 28, 9, 30, 0, 250, tzinfo=UTC)
EVIDENCE = evidence_text(
    {
        "text_sha256": "ab" * 32,
        "hits": [
            {"rule": "insults", "severity": "medium", "spans": [[4, 9]], "matched": ["idiot"]}
        ],
    }
)


def chain(count: int, *, notes: Callable[[int], str | None] = lambda _: None) -> list[LogEntry]:
    """``count`` entries chained from the start, as the database would hold them."""
    entries: list[LogEntry] = []
    prev = GENESIS
    for seq in range(1, count + 1):
        entry = LogEntry(
            seq=seq,
            prev=prev,
            time=T0 + timedelta(seconds=seq),
            actor="ann" if seq % 2 else "bø b",
            role="moderator",
            action="hide" if seq % 3 else "approve",
            comment=seq * 10,
            article=1,
            from_status="pending",
            to_status="hidden" if seq % 3 else "approved",
            escalated=False,
            reason="spam" if seq % 3 else None,
            rule_set=None,
            reverts=None,
            note=notes(seq),
            evidence=EVIDENCE,
        )
        entry = replace(entry, hash=entry_hash(entry))
        entries.append(entry)
        prev = entry.hash
    return entries


def test_the_canonical_text_is_json_in_the_fixed_order_and_hashes_as_sha256() -> None:
    (entry,) = chain(1, notes=lambda _: 'line\nbreak, "quoted", é')
    text = canonical_text(entry)
    loaded = json.loads(text)
    assert list(loaded) == list(FIELDS)
    assert loaded["note"] == 'line\nbreak, "quoted", é'
    assert loaded["time"] == "2026-11-28T09:30:01.000250Z"
    assert loaded["evidence"]["hits"][0]["matched"] == ["idiot"]
    outside_strings = text.replace(json.dumps(loaded["note"], ensure_ascii=False), "")
    assert " " not in outside_strings
    assert entry.hash == hashlib.sha256(text.encode()).hexdigest()
    assert entry.prev == GENESIS


def test_every_field_is_covered_by_the_hash() -> None:
    (entry,) = chain(1)
    changes = {
        "seq": 2,
        "prev": "1" * 64,
        "time": T0 + timedelta(microseconds=1),
        "actor": "eve",
        "role": "editor",
        "action": "approve",
        "comment": 11,
        "article": 2,
        "from_status": "approved",
        "to_status": "pending",
        "escalated": None,
        "reason": "abuse",
        "rule_set": "v2",
        "reverts": 3,
        "note": "",
        "evidence": None,
    }
    assert len(changes) == len(FIELDS)
    for name, value in changes.items():
        assert entry_hash(replace(entry, **{name: value})) != entry.hash, name


@given(
    actor=st.text(min_size=1),
    note=st.none() | st.text(),
    matched=st.text(),
    comment=st.none() | st.integers(min_value=1, max_value=2**62),
    escalated=st.none() | st.booleans(),
)
def test_an_entry_survives_the_round_trip_through_its_json_line(
    actor: str, note: str | None, matched: str, comment: int | None, escalated: bool | None
) -> None:
    entry = replace(
        chain(1)[0],
        actor=actor,
        note=note,
        comment=comment,
        escalated=escalated,
        evidence=evidence_text({"hits": [{"matched": [matched]}], "text_sha256": "0" * 64}),
    )
    entry = replace(entry, hash=entry_hash(entry))
    line = as_json_line(entry)
    back = entry_from_object(json.loads(line))
    assert back == entry
    assert line[: -len(',"hash":"' + entry.hash + '"}')] + "}" == canonical_text(entry)


@pytest.mark.parametrize(
    ("item", "said"),
    [
        ({}, "missing seq"),
        ({**json.loads(as_json_line(chain(1)[0])), "seq": "1"}, "'seq' must be a whole number"),
        ({**json.loads(as_json_line(chain(1)[0])), "seq": True}, "'seq' must be a whole number"),
        ({**json.loads(as_json_line(chain(1)[0])), "escalated": 0}, "'escalated' must be true"),
        ({**json.loads(as_json_line(chain(1)[0])), "evidence": []}, "evidence must be an object"),
        ({**json.loads(as_json_line(chain(1)[0])), "time": "2026-11-28T09:30:00"}, "not UTC"),
    ],
)
def test_malformed_entries_are_refused(item: dict[str, object], said: str) -> None:
    with pytest.raises(ValueError, match=said):
        entry_from_object(item)


def test_times_are_written_in_utc_whatever_zone_they_come_in() -> None:
    later = T0.astimezone(__import__("datetime").timezone(timedelta(hours=2)))
    assert time_text(later) == time_text(T0) == "2026-11-28T09:30:00.000250Z"
    assert parse_time(time_text(T0)) == T0
    with pytest.raises(ValueError, match="naive"):
        time_text(T0.replace(tzinfo=None))


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ("=SUM(A1:A9)", "'=SUM(A1:A9)"),
        ("+31 6 1234", "'+31 6 1234"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\tindented", "'\tindented"),
        ("\rreturn", "'\rreturn"),
        ("'quoted", "''quoted"),
        ("\uff1dfull width", "'\uff1dfull width"),
        ("plain = text", "plain = text"),
        ("", ""),
        # A semicolon locale splits cells at ";" and ignores our quotes: "=2+2" would run.
        ("1;=2+2", "1;'=2+2"),
        ("a;+1;-2;@x", "a;'+1;'-2;'@x"),
        ("a; =1", "a; '=1"),
        ("a;'b", "a;''b"),
        ("line\n=1", "line\n'=1"),
        ("tab\t@x", "tab\t'@x"),
        ("  =1", "'  =1"),
        ("a;b ;c", "a;b ;c"),
    ],
)
def test_cells_a_spreadsheet_would_run_are_neutralised(cell: str, shown: str) -> None:
    assert neutralised(cell) == shown


def _summary(count: int, first: int | None, last: int | None) -> ChainSummary:
    return ChainSummary(
        head_seq=last or 0,
        head_hash="",
        entries=count,
        first_seq=first,
        last_seq=last,
        exported_at=T0,
    )


def test_csv_rows_hold_every_field_with_formulas_neutralised() -> None:
    entries = chain(3, notes=lambda seq: "=1+1" if seq == 2 else None)
    out = io.StringIO()
    made = write_log(out, [e.as_row() for e in entries], log_format=LogFormat.CSV, summary=_summary)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == list(CSV_COLUMNS)
    assert len(rows) == 4
    second = dict(zip(CSV_COLUMNS, rows[2], strict=True))
    assert second["note"] == "'=1+1"
    assert second["actor"] == "bø b"
    assert second["rule_hits"] == 'insults (medium): "idiot"'
    assert second["text_sha256"] == "ab" * 32
    assert second["hash"] == entries[1].hash
    assert second["prev"] == entries[0].hash
    assert made.entries == 3
    assert (made.first_seq, made.last_seq) == (1, 3)


@given(
    actor=st.text(min_size=1),
    note=st.none() | st.text(),
    reason=st.none() | st.text(min_size=1),
)
def test_csv_cells_read_back_as_written(actor: str, note: str | None, reason: str | None) -> None:
    entry = replace(chain(1)[0], actor=actor, note=note, reason=reason)
    out = io.StringIO()
    write_log(out, [entry.as_row()], log_format=LogFormat.CSV, summary=_summary)
    header, row = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    cells = dict(zip(header, row, strict=True))
    assert cells["actor"] == neutralised(actor)
    assert cells["note"] == neutralised(note or "")
    assert cells["reason"] == neutralised(reason or "")
    assert cells["evidence"] == entry.evidence


def test_csv_reads_the_text_hash_of_evidence_without_hits() -> None:
    (entry,) = chain(1)
    plain = replace(entry, evidence=evidence_text({"hits": [], "text_sha256": "cd" * 32}))
    out = io.StringIO()
    write_log(out, [plain.as_row()], log_format=LogFormat.CSV, summary=_summary)
    row = dict(zip(CSV_COLUMNS, list(csv.reader(io.StringIO(out.getvalue())))[1], strict=True))
    assert (row["rule_hits"], row["text_sha256"]) == ("", "cd" * 32)


def test_hits_summary_reads_as_one_line() -> None:
    assert hits_summary({}) == ""
    assert (
        hits_summary(
            {
                "hits": [
                    {"rule": "a", "severity": "low", "matched": ["x", "y"]},
                    {"rule": "b", "severity": "high", "matched": []},
                ]
            }
        )
        == 'a (low): "x", "y"; b (high)'
    )


def _export(
    tmp_path: Path, entries: list[LogEntry], log_format: LogFormat, **summary: object
) -> Path:
    path = tmp_path / f"log.{log_format}"
    head = entries[-1] if entries else None

    def made(count: int, first: int | None, last: int | None) -> ChainSummary:
        return ChainSummary(
            **{
                "head_seq": head.seq if head else 0,
                "head_hash": head.hash if head else GENESIS,
                "entries": count,
                "first_seq": first,
                "last_seq": last,
                "exported_at": T0,
                **summary,
            }  # type: ignore[arg-type]
        )

    with path.open("w", encoding="utf-8", newline="") as out:
        write_log(out, [e.as_row() for e in entries], log_format=log_format, summary=made)
    return path


@pytest.mark.parametrize("log_format", [LogFormat.JSONL, LogFormat.JSON])
def test_an_untouched_export_verifies(tmp_path: Path, log_format: LogFormat) -> None:
    entries = chain(25, notes=lambda seq: f"note {seq}, ünïcode" if seq % 4 else None)
    found = verify_export(_export(tmp_path, entries, log_format))
    assert (found.entries, found.links, found.complete) == (25, 25, True)
    assert (found.head_seq, found.head_hash) == (25, entries[-1].hash)


def test_a_json_export_is_one_json_document(tmp_path: Path) -> None:
    path = _export(tmp_path, chain(3), LogFormat.JSON)
    document = json.loads(path.read_text(encoding="utf-8"))
    assert [entry["seq"] for entry in document["entries"]] == [1, 2, 3]
    assert document["chain"]["entries"] == 3


def test_an_empty_log_exports_and_verifies(tmp_path: Path) -> None:
    for log_format in (LogFormat.JSONL, LogFormat.JSON):
        found = verify_export(_export(tmp_path, [], log_format))
        assert (found.entries, found.complete, found.head_seq) == (0, True, 0)


def test_a_filtered_export_checks_each_entry_and_the_links_it_can(tmp_path: Path) -> None:
    entries = chain(10)
    kept = [entries[i] for i in (1, 2, 3, 6, 8)]
    path = _export(
        tmp_path,
        kept,
        LogFormat.JSONL,
        head_seq=10,
        head_hash=entries[-1].hash,
        filters={"text": "ann"},
    )
    found = verify_export(path)
    assert (found.entries, found.links, found.complete) == (5, 2, False)


def test_a_filtered_export_holds_only_what_its_filter_selects(tmp_path: Path) -> None:
    entries = chain(10)
    kept = [entries[i] for i in (0, 2, 4)]  # ann's, and one of bø b's among them below
    summary = {"head_seq": 10, "head_hash": entries[-1].hash}
    assert verify_export(
        _export(tmp_path, kept, LogFormat.JSONL, **summary, filters={"actor": "ann"})
    )
    with pytest.raises(FormatError, match="filter on actor"):
        verify_export(
            _export(
                tmp_path, [*kept, entries[5]], LogFormat.JSONL, **summary, filters={"actor": "ann"}
            )
        )


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def _tampered(path: Path, change: Callable[[list[str]], list[str]]) -> Path:
    path.write_text("".join(change(_lines(path))), encoding="utf-8")
    return path


def _swap(lines: list[str], a: int, b: int) -> list[str]:
    lines[a], lines[b] = lines[b], lines[a]
    return lines


def _edit_note(lines: list[str]) -> list[str]:
    lines[3] = lines[3].replace('"note":null', '"note":"added later"')
    return lines


def _recount(lines: list[str]) -> list[str]:
    chain_record = json.loads(lines[-1])
    chain_record["chain"]["entries"] -= 1
    return [*lines[:4], *lines[5:-1], json.dumps(chain_record) + "\n"]


def _cut_tail(lines: list[str]) -> list[str]:
    chain_record = json.loads(lines[-1])
    chain_record["chain"]["entries"] -= 1
    return [*lines[:-2], json.dumps(chain_record) + "\n"]


def _respaced(lines: list[str]) -> list[str]:
    item = json.loads(lines[2])
    lines[2] = json.dumps(item) + "\n"  # the same values, with spaces: not the signed text
    return lines


def _rehashed_edit(lines: list[str]) -> list[str]:
    item = json.loads(lines[3])
    item["actor"] = "mallory"
    entry = entry_from_object(item)
    lines[3] = as_json_line(replace(entry, hash="")) + "\n"
    return lines


@pytest.mark.parametrize(
    ("change", "line", "said"),
    [
        (_edit_note, 4, "entry 4 was changed"),
        (lambda lines: _swap(lines, 2, 3), 4, "out of order"),
        (lambda lines: [*lines[:4], *lines[5:]], 5, "entry 5 is missing"),
        (_recount, 5, "entry 5 is missing"),
        (lambda lines: lines[1:], 1, "entry 1 is missing"),
        (_cut_tail, 10, "claims the whole chain"),
        (lambda lines: lines[:-1], 0, "no chain record at the end"),
        (lambda lines: lines[:-3], 0, "no chain record at the end"),
        (lambda lines: [*lines, lines[0]], 12, "an entry after the chain record"),
        (_respaced, 3, "not a log entry"),
        (_rehashed_edit, 5, "entry 5 does not follow entry 4"),
        (lambda lines: ["nonsense\n", *lines[1:]], 1, "not a log entry"),
        (lambda lines: [lines[0][:50] + "\n", *lines[1:]], 1, "not a log entry"),
    ],
)
def test_every_change_to_an_export_is_named_by_line(
    tmp_path: Path, change: Callable[[list[str]], list[str]], line: int, said: str
) -> None:
    path = _export(tmp_path, chain(10), LogFormat.JSONL)
    with pytest.raises(FormatError, match=said) as caught:
        verify_export(_tampered(path, change))
    assert caught.value.line == line
    assert str(caught.value).startswith(str(path))


def test_files_that_are_not_exports_are_named(tmp_path: Path) -> None:
    missing = tmp_path / "absent.jsonl"
    with pytest.raises(FormatError, match=r"absent\.jsonl"):
        verify_export(missing)
    binary = tmp_path / "binary.jsonl"
    binary.write_bytes(b"\xff\xfe\x00junk")
    with pytest.raises(FormatError, match="not UTF-8"):
        verify_export(binary)
    # A bad byte further on is placed on its line.
    late = tmp_path / "late.jsonl"
    late.write_bytes(b'{"a": 1}\n{"b": 2}\n{"c": "\xff"}\n')
    with pytest.raises(FormatError, match="not UTF-8") as caught:
        verify_export(late)
    assert caught.value.line == 3
    cut = _export(tmp_path, chain(3), LogFormat.JSON)
    cut.write_text("".join(_lines(cut)[:3]), encoding="utf-8")
    with pytest.raises(FormatError, match="cut short"):
        verify_export(cut)


def test_an_export_that_drops_entries_and_says_it_is_partial_is_refused(tmp_path: Path) -> None:
    entries = chain(10)
    # Entry 6 left out, and the record says "not complete" without naming any filter.
    path = _export(
        tmp_path,
        [e for e in entries if e.seq != 6],
        LogFormat.JSONL,
        head_seq=10,
        head_hash=entries[-1].hash,
    )
    with pytest.raises(FormatError, match="names no filter"):
        verify_export(path)


def test_a_partial_export_holding_the_head_must_hold_it_unchanged(tmp_path: Path) -> None:
    entries = chain(10)
    forged = replace(entries[-1], note="rewritten")
    forged = replace(forged, hash=entry_hash(forged))
    path = _export(
        tmp_path,
        [entries[2], forged],
        LogFormat.JSONL,
        head_seq=10,
        head_hash=entries[-1].hash,
        filters={"actor": "ann"},
    )
    with pytest.raises(FormatError, match="not the chain's head"):
        verify_export(path)


def test_csv_quotes_cells_a_semicolon_locale_would_split() -> None:
    # Quoting alone is not enough there: the comma file's quotes are not at the start of a
    # semicolon cell, so "=1+1" would start one. The apostrophe makes it text.
    (entry,) = chain(1, notes=lambda _: "a;=1+1\tb")
    out = io.StringIO()
    write_log(out, [entry.as_row()], log_format=LogFormat.CSV, summary=_summary)
    assert '"a;\'=1+1\tb"' in out.getvalue()


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ('{"entries":[\n],\n"chain":' + "[" * 100_000 + "}\n", "nested too deep"),
        ('{"seq":' + "[" * 100_000 + ',"hash":"' + "0" * 64 + '"}\n', "nested too deep"),
    ],
    ids=["chain record", "entry"],
)
def test_json_nested_past_the_parsers_depth_is_refused_at_its_line(
    tmp_path: Path, written: str, said: str
) -> None:
    # json gave up with RecursionError, which reached `log verify --file` as a traceback.
    path = tmp_path / "deep.json"
    path.write_text(written, encoding="utf-8")
    with pytest.raises(FormatError, match=said):
        verify_export(path)
