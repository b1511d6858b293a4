"""A log entry's evidence in words: every key the log writes has a label, other keys read as
"key: value", and no value can break out of its line."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from moderator.domain import Severity
from moderator.log.details import LABELS, evidence_lines
from moderator.rules.model import Hit, RuleAction, RuleSet
from moderator.services import moderation, notes
from moderator.services.flagging import store_hits
from moderator.store.database import Database
from moderator.store.models import LogEntryRow
from tests.conftest import add_comments


@pytest.mark.parametrize(
    ("evidence", "lines"),
    [
        ({"author": "ann"}, ["Author: ann"]),
        (
            {"source": "july.xml", "article_sha256": "ab12", "added": 1200, "already_present": 3},
            [
                "Source file:     july.xml",
                "Comments added:  1,200",
                "Already present: 3",
                "Article SHA-256: ab12",
            ],
        ),
        (
            {"text_sha256": "ff00", "hits": []},
            ["Text SHA-256: ff00", "Rule hits:    none"],
        ),
        (
            {
                "text_sha256": "ff00",
                "hits": [
                    {
                        "rule": "links",
                        "severity": "medium",
                        "spans": [[0, 4], [9, 13]],
                        "matched": ["http", "www."],
                        "explanation": "a link",
                    },
                    {"rule": "caps", "severity": "low", "spans": [], "matched": []},
                ],
            },
            [
                "Text SHA-256: ff00",
                "Rule hits:    2",
                "  links (medium): 'http' at 0-4, 'www.' at 9-13 — a link",
                "  caps (low)",
            ],
        ),
        # Keys this version does not write: as they are, after the known ones.
        (
            {"colour": "blue", "author": "ann", "tags": ["a", "b"], "ok": True, "none": None},
            [
                "Author: ann",
                "colour: blue",
                "none:   none",
                "ok:     yes",
                'tags:   ["a", "b"]',
            ],
        ),
        ({"hits": "several"}, ["hits: several"]),
    ],
)
def test_evidence_reads_as_labelled_lines(evidence: dict[str, Any], lines: list[str]) -> None:
    assert evidence_lines(evidence) == lines


def test_a_value_cannot_forge_a_line_or_hide_characters() -> None:
    forged = {
        "author": "mallory\nHash:     0000",
        "note\u202e": "tab\there",
        "hits": [{"rule": "r\nx", "severity": "high", "spans": [[0, 2]], "matched": ["a\nb"]}],
    }
    lines = evidence_lines(forged)
    assert len(lines) == 4
    assert lines[0] == "Author:       mallory⟨U+000A⟩Hash:     0000"
    assert lines[1] == "note⟨U+202E⟩: tab⟨U+0009⟩here"
    assert lines[3] == "  r⟨U+000A⟩x (high): 'a\\nb' at 0-2"


def test_every_key_the_log_writes_has_a_label(database: Database) -> None:
    comments = add_comments(database, 3, title="Labels")
    hit = [Hit("links", Severity.MEDIUM, RuleAction.FLAG, "a link", ((0, 4),))]
    with database.transaction() as session:
        store_hits(session, [(comments[0], hit)], rule_set=RuleSet("t", (), "v1"))
        ann = moderation.ensure_profile(session, "ann")
        moderation.hide(session, [comments[0]], actor=ann, reason="spam")
        moderation.approve(session, [comments[1]], actor=ann)
        notes.note_author(session, "reader2", "keeps posting links", actor=ann)
    with database.session() as session:
        written = [
            text for text in session.scalars(select(LogEntryRow.evidence)) if text is not None
        ]
    keys = {key for text in written for key in json.loads(text)}
    assert {"author", "source", "added", "text_sha256", "hits"} <= keys
    assert keys - {"hits"} <= set(LABELS)
