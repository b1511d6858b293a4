"""The moderation log's record: one entry's canonical text, its place in the hash chain.

An entry is a JSON object whose members come in one fixed order, without spaces, non-ASCII
characters written as themselves (UTF-8), strings escaped as Python's ``json`` escapes them,
and the ``evidence`` member (an object) with its keys sorted. Its hash is the SHA-256 of that
text; ``prev`` is the hash of the entry before it (:data:`GENESIS` for the first), so an entry
edited, removed or moved breaks every link after it. The fixed order lets an entry's text be
rebuilt from stored columns without a JSON encoder in the loop, which keeps verifying a
million entries a matter of seconds.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from json.encoder import encode_basestring
from typing import Any, TypeVar

GENESIS = "0" * 64
# The entry's members, in the order its canonical text has them.
FIELDS = (
    "seq",
    "prev",
    "time",
    "actor",
    "role",
    "action",
    "comment",
    "article",
    "from",
    "to",
    "escalated",
    "reason",
    "rule_set",
    "reverts",
    "note",
    "evidence",
)
_T = TypeVar("_T")

_TEMPLATE = (
    '{"seq":%s,"prev":"%s","time":"%s","actor":%s,"role":%s,"action":%s,"comment":%s,'
    '"article":%s,"from":%s,"to":%s,"escalated":%s,"reason":%s,"rule_set":%s,"reverts":%s,'
    '"note":%s,"evidence":%s}'
)
_evidence_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One entry of the moderation log, as stored and as exported."""

    seq: int
    prev: str
    time: datetime
    actor: str
    role: str
    action: str
    comment: int | None
    article: int | None
    from_status: str | None
    to_status: str | None
    escalated: bool | None
    reason: str | None
    rule_set: str | None
    reverts: int | None
    note: str | None
    # The evidence object's canonical text (see :func:`evidence_text`), or None.
    evidence: str | None
    hash: str = ""

    @property
    def text(self) -> str:
        return canonical_text(self)

    def as_row(self) -> tuple[Any, ...]:
        """The entry's values in :data:`FIELDS` order, then its hash (as exports take them)."""
        return (*_values(self), self.hash)

    def evidence_object(self) -> dict[str, Any] | None:
        loaded: dict[str, Any] | None = None if self.evidence is None else json.loads(self.evidence)
        return loaded


def time_text(value: datetime | str) -> str:
    """A time as entries write it: UTC, microseconds, ``Z``.

    Also takes the text SQLite keeps a UTC time as (``YYYY-MM-DD HH:MM:SS.ffffff``): reading a
    million entries then parses no dates at all.
    """
    if isinstance(value, str):
        return value.replace(" ", "T", 1) + "Z"
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: log times are UTC")
    if value.utcoffset():
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def parse_time(text: str) -> datetime:
    if not text.endswith("Z"):
        raise ValueError(f"time {text!r} is not UTC (it must end in Z)")
    return datetime.fromisoformat(text[:-1]).replace(tzinfo=UTC)


def evidence_text(evidence: Mapping[str, Any] | None) -> str | None:
    """The canonical text of an evidence object: keys sorted, no spaces."""
    return None if evidence is None else _evidence_encoder.encode(evidence)


# Names, roles, actions, statuses and reasons repeat endlessly: each is escaped once.
_TOKENS: dict[str | None, str] = {None: "null"}
_TOKENS_KEPT = 4096


def _token(value: str | None) -> str:
    if value is None:
        return "null"
    quoted = _TOKENS.get(value)
    if quoted is None:
        quoted = str(encode_basestring(value))
        if len(_TOKENS) < _TOKENS_KEPT:
            _TOKENS[value] = quoted
    return quoted


def canonical_text(entry: LogEntry) -> str:
    """The text an entry's hash is taken over."""
    return canonical_row(_values(entry))


def _values(entry: LogEntry) -> tuple[Any, ...]:
    return (
        entry.seq,
        entry.prev,
        entry.time,
        entry.actor,
        entry.role,
        entry.action,
        entry.comment,
        entry.article,
        entry.from_status,
        entry.to_status,
        entry.escalated,
        entry.reason,
        entry.rule_set,
        entry.reverts,
        entry.note,
        entry.evidence,
    )


def canonical_row(row: Sequence[Any]) -> str:
    """:func:`canonical_text` from values in :data:`FIELDS` order, as a database row has them
    (a hash may follow). Checking a million entries builds no object per entry, and the
    repeated names and codes are looked up rather than escaped again.

    Values are taken strictly as the log writes them: SQLite keeps whatever it is given, and
    an escalation stored as 2, a number as 1.5 or a time in another spelling must not read
    as the entry that was signed (``ValueError``, ``TypeError`` or ``KeyError`` instead).
    """
    quoted = _TOKENS.get
    (seq, prev, time, actor, role, action, comment, article) = row[:8]
    (from_status, to_status, escalated, reason, rule_set, reverts, note, evidence) = row[8:16]
    if time.__class__ is str:
        if len(time) != 26 or time[10] != " " or time[19] != ".":
            raise ValueError(f"time {time!r} is not as the log stores times")
        time_part = time.replace(" ", "T", 1) + "Z"
    else:
        time_part = time_text(time)
    if evidence is not None and (evidence.__class__ is not str or evidence[:1] != "{"):
        raise ValueError("evidence must be a JSON object's text, or nothing")
    return _TEMPLATE % (
        _whole(seq),
        prev,
        time_part,
        quoted(actor) or _token(actor),
        quoted(role) or _token(role),
        quoted(action) or _token(action),
        "null" if comment is None else _whole(comment),
        "null" if article is None else _whole(article),
        quoted(from_status) or _token(from_status),
        quoted(to_status) or _token(to_status),
        _FLAGS[escalated] if escalated.__class__ in _FLAG_TYPES else _not_a_flag(escalated),
        quoted(reason) or _token(reason),
        quoted(rule_set) or _token(rule_set),
        "null" if reverts is None else _whole(reverts),
        "null" if note is None else encode_basestring(note),
        "null" if evidence is None else evidence,
    )


# How a stored escalation reads: exactly 0, 1 (or False, True), or nothing.
_FLAGS: dict[object, str] = {None: "null", 0: "false", 1: "true"}
_FLAG_TYPES = frozenset({type(None), bool, int})


def _not_a_flag(value: object) -> str:
    raise ValueError(f"escalated is {value!r}, not 0, 1 or nothing")


def _whole(value: object) -> str:
    """A whole number as written (not a bool, not a float that equals one)."""
    if value.__class__ is not int:
        raise TypeError(f"{value!r} is not a whole number")
    return str(value)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def entry_hash(entry: LogEntry) -> str:
    return text_hash(canonical_text(entry))


def text_digest(text: str) -> str:
    """The hash of a comment's text that a decision's evidence keeps."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def as_json_line(entry: LogEntry) -> str:
    """The entry as one JSON Lines record: its canonical text with ``hash`` as the last member.

    Dropping that member (the last 77 characters before the closing brace) gives back the
    exact text the hash was taken over.
    """
    text = canonical_text(entry)
    return f'{text[:-1]},"hash":"{entry.hash or text_hash(text)}"}}'


def json_line_of_row(row: Sequence[Any]) -> str:
    """:func:`as_json_line` for a row of the entry's values followed by its hash."""
    return f'{canonical_row(row)[:-1]},"hash":"{row[16]}"}}'


def entry_from_object(item: Mapping[str, Any]) -> LogEntry:
    """An entry from its JSON object (an export's record); raises ValueError if malformed."""
    missing = [name for name in FIELDS if name not in item]
    if missing:
        raise ValueError("missing " + ", ".join(missing))
    evidence = item["evidence"]
    if evidence is not None and not isinstance(evidence, dict):
        raise ValueError("evidence must be an object or null")
    try:
        return LogEntry(
            seq=_typed(item, "seq", int),
            prev=_typed(item, "prev", str),
            time=parse_time(_typed(item, "time", str)),
            actor=_typed(item, "actor", str),
            role=_typed(item, "role", str),
            action=_typed(item, "action", str),
            comment=_optional(item, "comment", int),
            article=_optional(item, "article", int),
            from_status=_optional(item, "from", str),
            to_status=_optional(item, "to", str),
            escalated=_optional(item, "escalated", bool),
            reason=_optional(item, "reason", str),
            rule_set=_optional(item, "rule_set", str),
            reverts=_optional(item, "reverts", int),
            note=_optional(item, "note", str),
            evidence=evidence_text(evidence),
            hash=str(item.get("hash", "")),
        )
    except TypeError as error:
        raise ValueError(str(error)) from None


def _typed(item: Mapping[str, Any], name: str, kind: type[_T]) -> _T:
    value = item[name]
    # A bool is an int to Python, never to the log.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise TypeError(f"{name!r} must be {_KIND_NAMES.get(kind, kind.__name__)}")
    return value


def _optional(item: Mapping[str, Any], name: str, kind: type[_T]) -> _T | None:
    return None if item[name] is None else _typed(item, name, kind)


_KIND_NAMES = {int: "a whole number", str: "a string", bool: "true or false"}


# An import entry's record of the comments it added (``comments`` in its evidence): their
# ids as runs of consecutive numbers and, in id order, a digest of each one's id, article,
# author and text. 128 bits of SHA-256 each: a forged comment that keeps its digest is as
# far out of reach as with the whole hash, at half the log's size for a million comments.
COMMENT_RECORD = "comments"
COMMENT_DIGEST_LENGTH = 32


def comment_digest(comment_id: int, article_id: int, author: str, body: str) -> str:
    """What an import records of one comment it added: a digest of where it is, who wrote
    it and what it says (lengths first, so no two comments can read the same)."""
    text = f"{comment_id}:{article_id}:{len(author)}:{author}{len(body)}:{body}"
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:COMMENT_DIGEST_LENGTH]


def comment_record(digests: Sequence[tuple[int, str]]) -> dict[str, Any]:
    """The ``comments`` member of an import's evidence, from (id, digest) pairs."""
    ordered = sorted(digests)
    runs: list[list[int]] = []
    for comment_id, _ in ordered:
        if runs and runs[-1][1] == comment_id - 1:
            runs[-1][1] = comment_id
        else:
            runs.append([comment_id, comment_id])
    return {"ids": runs, "sha256": [digest for _, digest in ordered]}


def recorded_comments(record: object) -> list[tuple[int, int, list[str]]]:
    """An import's ``comments`` record as runs: (first id, last id, their digests); raises
    ValueError if it is not one."""
    if not isinstance(record, Mapping):
        raise ValueError("the comments record is not an object")
    runs, digests = record.get("ids"), record.get("sha256")
    if not isinstance(runs, list) or not isinstance(digests, list):
        raise ValueError("the comments record lacks its ids or digests")
    found: list[tuple[int, int, list[str]]] = []
    at = 0
    for run in runs:
        if (
            not isinstance(run, list)
            or len(run) != 2
            or not all(type(value) is int for value in run)
            or run[1] < run[0]
        ):
            raise ValueError(f"{run!r} is not a run of comment ids")
        size = run[1] - run[0] + 1
        found.append((run[0], run[1], digests[at : at + size]))
        at += size
    if at != len(digests) or not all(isinstance(digest, str) for digest in digests):
        raise ValueError("the comments record has not one digest per id")
    return found
