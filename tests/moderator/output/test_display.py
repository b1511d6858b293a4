"""Untrusted text as shown: hidden characters named, offsets mapped, previews bounded."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from moderator.output.display import hidden, inert, inert_line, marker, one_line, reveal


def test_bidi_controls_and_zero_width_characters_are_named() -> None:
    shown = reveal("txt\u202eexe.doc and in\u200bvisible")
    assert shown.text == "txt\u27e8U+202E\u27e9exe.doc and in\u27e8U+200B\u27e9visible"
    assert [piece for piece, is_marker in shown.pieces if is_marker] == [
        "\u27e8U+202E\u27e9",
        "\u27e8U+200B\u27e9",
    ]


def test_ordinary_text_is_one_piece_and_keeps_its_offsets() -> None:
    text = "Caf\u00e9 \U0001f600 \u0645\u0631\u062d\u0628\u0627\nnew line\tand tab"
    shown = reveal(text)
    assert shown.pieces == ((text, False),)
    assert [shown.position(i) for i in range(len(text) + 1)] == list(range(len(text) + 1))


@given(st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from("\u202e\u200b\x00\ufeff")))
def test_every_offset_maps_to_its_character_or_its_marker(text: str) -> None:
    shown = reveal(text)
    for offset, char in enumerate(text):
        at = shown.position(offset)
        expected = marker(char) if hidden(char) else char
        assert shown.text[at : at + len(expected)] == expected
    assert shown.position(len(text)) == len(shown.text)


def test_a_preview_is_one_bounded_line_read_from_the_start() -> None:
    assert one_line("  two\n\nlines\u202e here ", 100) == "two lines\u27e8U+202E\u27e9 here"
    assert one_line("x" * 1_000_000, 300) == "x" * 300


@given(st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from("\x1b\x9b\u202e\r\n")))
def test_inert_text_is_revealed_text_with_its_line_ends(text: str) -> None:
    # The terminal's view is the window's: each hidden character as its marker; a CRLF line
    # end (CSV rows) stays one.
    pieces = text.split("\r\n")
    assert inert(text) == "\r\n".join(reveal(piece).text for piece in pieces)
    assert "\n" not in inert_line(text)
    assert "\t" not in inert_line(text)


def test_inert_marks_what_would_drive_a_terminal() -> None:
    assert inert("a\x1b]0;pwned\x07b\rc\r\nd\te") == (
        "a\u27e8U+001B\u27e9]0;pwned\u27e8U+0007\u27e9b\u27e8U+000D\u27e9c\r\nd\te"
    )
    assert inert_line("a\r\nb\tc") == "a\u27e8U+000D\u27e9\u27e8U+000A\u27e9b\u27e8U+0009\u27e9c"


@given(st.text(alphabet=st.characters(exclude_categories=()), max_size=80))
def test_every_hidden_character_is_found_wherever_it_is(text: str) -> None:
    # The search skips printable ASCII: character by character, nothing else may be missed.
    shown = reveal(text)
    expected = "".join(marker(char) if hidden(char) else char for char in text)
    assert shown.text == expected
    markers = [piece for piece, is_marker in shown.pieces if is_marker]
    assert markers == [marker(char) for char in text if hidden(char)]
