"""Reading text as a word list sees it: folding, leetspeak, spaced letters, and the way back."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from moderator.rules.normalize import Folded, Reading, fold_text, read_char, readings
from moderator.rules.prefilter import character_readings, spaced_runs


def read(text: str) -> list[str]:
    """Every reading of ``text``, spaced runs included."""
    folded = fold_text(text)
    return [reading.text for reading in readings(folded, runs=spaced_runs(folded.text))]


@pytest.mark.parametrize(
    ("char", "reading"),
    [
        ("A", "a"),
        ("\uff33", "s"),  # fullwidth S
        ("\U0001d42c", "s"),  # mathematical bold small s
        ("\u24e2", "s"),  # circled small s
        ("\U0001f170", "a"),  # negative squared A: no compatibility decomposition
        ("\u0455", "s"),  # Cyrillic small dze
        ("\u0410", "a"),  # Cyrillic capital A
        ("\u0412", "b"),  # Cyrillic capital ve passes for B ...
        ("\u0432", "\u0432"),  # ... its small letter does not look Latin
        ("\u03bf", "o"),  # Greek small omicron
        ("\u13aa", "a"),  # Cherokee letter go
        ("\uab7a", "a"),  # its small form folds to the capital, then to "a"
        ("\u1d00", "a"),  # Latin letter small capital A
        ("\u00e9", "e"),  # accents go
        ("\u00df", "ss"),  # case folding
        ("\u0130", "i"),  # capital I with dot: folds to i and a dot, the dot goes
        ("\ufb01", "fi"),  # ligature
        ("\u00b2", "2"),
        ("\u200b", ""),  # zero-width space
        ("\u200d", ""),  # zero-width joiner
        ("\u202e", ""),  # right-to-left override
        ("\u00ad", ""),  # soft hyphen
        ("\u0336", ""),  # combining long stroke overlay (strike-through)
        ("\ufe0f", ""),  # variation selector
        ("\U000e0061", ""),  # tag letter a
        ("\u3164", ""),  # Hangul filler, which renders blank
        ("\ud83d", "\ufffd"),  # a lone surrogate
        ("\u2019", "\u2019"),  # a curly apostrophe stays punctuation
        ("\U0001f595", "\U0001f595"),  # an emoji stays itself
    ],
)
def test_each_character_reads_as(char: str, reading: str) -> None:
    assert read_char(char) == reading


def test_case_is_kept_when_asked() -> None:
    assert read_char("\u0410", fold_case=False) == "A"
    assert read_char("\u00c9", fold_case=False) == "E"
    assert fold_text("\u0405hit", fold_case=False).text == "Shit"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Plain ASCII, kept in line", "plain ascii, kept in line"),
        ("Caf\u00e9 \u201cquoted\u201d", "cafe \u201cquoted\u201d"),
        ("s\u200bh\u00adi\u0336t", "shit"),
        ("\u0130stanbul", "istanbul"),
        ("\ufb01ne", "fine"),
    ],
)
def test_folded_text(text: str, expected: str) -> None:
    assert fold_text(text).text == expected


@pytest.mark.parametrize(
    ("text", "word", "span"),
    [
        ("it is shit", "shit", (6, 10)),
        ("a s\u200bhit b", "shit", (2, 7)),  # the zero-width space is inside the span
        ("x \u200bshit", "shit", (3, 7)),  # ... but not before it
        ("s\u0336h\u0336i\u0336t\u0336!", "shit", (0, 8)),  # strike-through marks go along
        ("\ufb01ne day", "fine", (0, 3)),  # "fi" is one character of the original
        ("\U0001f600 \u00dfhit", "sshit", (2, 6)),
        ("\ud83d shit", "shit", (2, 6)),  # a lone surrogate is one character
        ("caf\u00e9 sh\u00eft", "shit", (5, 9)),
    ],
)
def test_folded_spans_map_back_to_the_original(text: str, word: str, span: tuple[int, int]) -> None:
    folded = fold_text(text)
    start = folded.text.index(word)
    assert folded.span(start, start + len(word)) == span


@given(st.text(max_size=40))
def test_every_folded_character_comes_from_an_original_span(text: str) -> None:
    folded = fold_text(text)
    for index in range(len(folded.text)):
        start, end = folded.span(index, index + 1)
        assert 0 <= start < end <= len(text)
        assert read_char(text[start]) or start + 1 < end  # it starts on a visible character
    assert isinstance(folded, Folded)


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("$h1t", "shit"),
        ("sh!t", "shit"),
        ("shit!", "shit!"),  # a trailing "!" is punctuation
        ("shit!1!!", "shit!1!!"),
        ("@55", "ass"),
        ("a55", "ass"),
        ("4$$", "ass"),
        ("bi+ch", "bitch"),
        ("1d10t", "idiot"),
        ("route 455", "route 455"),  # a number stays a number
        ("$4.55 and $100", "$4.55 and $100"),  # prices too
        ("!!!", "!!!"),
        ("2nd", "2nd"),
        ("@john", "ajohn"),  # see the separate reading below
    ],
)
def test_leetspeak_inside_words_only(text: str, first: str) -> None:
    assert read(text)[0] == first


@pytest.mark.parametrize(
    ("text", "other"),
    [
        ("hi @idiot", "@idiot"),  # a mention: the word without its "@"
        ("!diot", "!diot"),
        ("$1ut", "slut"),  # "1" as "l"
        ("a55ho1e", "asshole"),
    ],
)
def test_ambiguous_words_get_a_separate_reading(text: str, other: str) -> None:
    folded = fold_text(text)
    separate = [reading for reading in readings(folded) if reading.separate]
    assert len(separate) == 1
    assert other in separate[0].text.split(" \n ")


@pytest.mark.parametrize(
    ("text", "joined"),
    [
        ("s h i t", "shit"),
        ("s.h.i.t", "shit"),
        ("s-h-i-t", "shit"),
        ("s . h . i . t", "shit"),
        ("S H I T!", "shit!"),
        ("$ h ! t", "shit"),
        ("s\u200b h\u200b i\u200b t", "shit"),
        ("you are a s h i t", "you are ashit"),
    ],
)
def test_spaced_letters_join(text: str, joined: str) -> None:
    assert joined in read(text)


def test_a_leading_one_letter_word_may_stay_apart() -> None:
    assert "you are a shit" in read("you are a s h i t")


@pytest.mark.parametrize(
    "text",
    [
        "s h",  # two letters are not a run
        "as soon as",  # words are not letters
        "I'm a b",  # an apostrophe is not a gap
        "s\nh\ni\nt",  # nor is a line break
        "s    h    i    t",  # nor four spaces
        "1 2 3 4",  # numbers are not spelled out
        "0.6 \u00b0c",  # nor is a measure
        "this is h i",  # "is" is a word, and "h i" only two letters
    ],
)
def test_not_spaced_letters(text: str) -> None:
    assert len(read(text)) == len(readings(fold_text(text)))


def test_reading_positions_point_into_the_folded_text() -> None:
    folded = fold_text("xx s.h.i.t yy")
    joined = readings(folded, runs=spaced_runs(folded.text))[-1]
    assert joined.text == "xx shit yy"
    assert joined.folded_span(3, 7) == (3, 10)
    assert joined.folded_span(8, 10) == (11, 13)
    assert Reading("plain").folded_span(1, 3) == (1, 3)


def test_the_character_table_covers_what_str_translate_needs() -> None:
    table = character_readings()
    assert table[ord("A")] == "a"
    assert table[0x200B] == ""
    assert ord("a") not in table  # characters that read as themselves are left out
    text = "S\u200bh\u00ecT \uff33"
    assert text.translate(table) == fold_text(text).text


@given(st.text(max_size=30))
def test_translating_with_the_table_is_folding(text: str) -> None:
    # The prefilter's second stage reads text with str.translate: it must read as fold_text.
    if not re.search(r"[\ud800-\udfff]", text):
        assert text.translate(character_readings()) == fold_text(text).text


def test_mixed_readings_of_one_are_bounded_per_text() -> None:
    """Each word with several "1"s is read with each mix of "i" and "l" ("bu115h17"), but a
    text made of such words gets a bounded number of mixes, not 2**6 a word."""
    from moderator.rules import normalize  # noqa: PLC0415

    _, others = normalize._leet("bu115h17")
    assert "bullshit" in {word for _, word in others}
    words = 2_000
    _, others = normalize._leet("1d1111d1 " * words)
    # The two plain readings a word ("1" as "i", "1" as "l"), and the mixes up to the bound.
    assert len(others) <= 2 * words + normalize._MIXED_READINGS + 2**normalize._MIXED_ONES
