"""A log entry's evidence in words: a labelled line per field, for people to read."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from moderator.formats.modlog import COMMENT_RECORD, recorded_comments
from moderator.output.display import marker, reveal

# What the log writes into evidence, by who writes it: a decision (services.history), an
# import (services.importing), a note on an author (services.notes), a profile made or its
# role changed (services.moderation). In this order.
LABELS = {
    "author": "Author",
    "source": "Source file",
    "added": "Comments added",
    "already_present": "Already present",
    "skipped_locked": "Skipped (article locked)",
    "article_sha256": "Article SHA-256",
    "text_sha256": "Text SHA-256",
    "profile": "Profile",
    "previous_role": "Role before",
    "role": "Role now",
    COMMENT_RECORD: "Comments recorded",
}
_HITS = "hits"


def evidence_lines(evidence: Mapping[str, Any]) -> list[str]:
    """The evidence's fields one a line, ``Label: value``, labels aligned; the rule hits of a
    decision last, one a line. Keys the log does not write (an older or another tool's
    entry) read as ``key: value``. Every value stays on its line, its hidden characters shown
    as markers: an author's name cannot forge a line of its own."""
    known = [key for key in LABELS if key in evidence]
    others = sorted(key for key in evidence if key not in LABELS and key != _HITS)
    fields = [
        (LABELS[key], record_text(evidence[key]) if key == COMMENT_RECORD else evidence[key])
        for key in known
    ]
    fields += [(one_line(key), evidence[key]) for key in others]
    hits = evidence.get(_HITS)
    width = max((len(label) for label, _ in fields), default=0) + 1
    if isinstance(hits, list):
        width = max(width, len("Rule hits:"))
    lines = [f"{label + ':':<{width}} {value_text(value)}" for label, value in fields]
    if isinstance(hits, list):
        lines.append(f"{'Rule hits:':<{width}} {'none' if not hits else len(hits)}")
        lines += [f"  {hit_text(hit)}" for hit in hits]
    elif _HITS in evidence:
        lines.append(f"{'hits:':<{width}} {value_text(hits)}")
    return lines


def record_text(record: object) -> str:
    """An import's record of its comments in a few words: thousands of digests are for
    `log verify`, not for reading."""
    try:
        runs = recorded_comments(record)
    except ValueError:
        return value_text(record)
    count = sum(last - first + 1 for first, last, _ in runs)
    ids = ", ".join(
        f"{first}" if first == last else f"{first}-{last}" for first, last, _ in runs[:5]
    )
    more = ", ..." if len(runs) > 5 else ""
    return (
        f"{count:,} (ids {ids}{more}; each one's text, author and article as a digest)"
        if count
        else "none"
    )


def hit_text(hit: object) -> str:
    """One rule hit: ``rule (severity): 'words' at 0-4 — why``."""
    if not isinstance(hit, Mapping):
        return value_text(hit)
    matched = hit.get("matched") or []
    spans = hit.get("spans") or []
    places = ", ".join(
        f"{one_line(repr(word))} at {_span_text(span)}"
        for word, span in zip(matched, spans, strict=False)
    )
    explanation = hit.get("explanation")
    return (
        f"{one_line(str(hit.get('rule')))} ({one_line(str(hit.get('severity')))})"
        + (f": {places}" if places else "")
        + (f" — {one_line(str(explanation))}" if explanation else "")
    )


def _span_text(span: object) -> str:
    if isinstance(span, list) and len(span) == 2:
        return f"{span[0]}-{span[1]}"
    return value_text(span)


def value_text(value: object) -> str:
    """A value as a person reads it: counts with thousands separators, yes or no, text as
    it is (on one line), lists and objects as compact JSON."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, str):
        return one_line(value)
    if isinstance(value, float):
        return str(value)
    return one_line(json.dumps(value, ensure_ascii=False, sort_keys=True))


def one_line(text: str) -> str:
    """``text`` with its hidden characters and its line breaks and tabs shown as markers."""
    shown = reveal(text).text
    return shown.replace("\n", marker("\n")).replace("\t", marker("\t"))
