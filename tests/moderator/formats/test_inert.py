"""Exported text is inert: JSON escapes what could split or hide a line, and reads back."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from moderator.formats.inert import json_inert, json_plain, json_text
from moderator.output.display import hidden

ESCAPED = ("\u2028", "\u2029", "\x85", "\x7f", "\x9b", "\u202e", "\u200b", "\ufeff", "\U000e0041")


@pytest.mark.parametrize("char", ESCAPED)
def test_json_escapes_line_separators_and_hidden_characters(char: str) -> None:
    written = json_text({"note": f"a{char}b"})
    assert char not in written
    assert json.loads(written) == {"note": f"a{char}b"}


def test_json_keeps_text_as_itself_otherwise() -> None:
    assert json_text({"note": "Grüße, 東京 \u00a0 ok"}) == '{"note": "Grüße, 東京 \u00a0 ok"}'
    # A backslash and a "u" the text holds are not taken for an escape on the way back.
    literal = json.dumps("\\u2028 and \u2028", ensure_ascii=False)
    assert json_plain(json_inert(literal)) == literal


@given(st.text())
def test_any_text_reads_back_and_leaves_nothing_raw(text: str) -> None:
    encoded = json.dumps(text, ensure_ascii=False)
    written = json_inert(encoded)
    assert json.loads(written) == text
    assert json_plain(written) == encoded
    assert not [c for c in written if c in "\u2028\u2029" or (c != "\n" and hidden(c))]
