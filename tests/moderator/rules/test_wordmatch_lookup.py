"""The dictionary lookup of long lists finds exactly what the RE2 scan of short lists finds."""

from __future__ import annotations

import contextlib
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moderator.rules.normalize import fold_text, readings
from moderator.rules.wordlookup import WordLookup, fits, squeezed
from moderator.rules.wordmatch import Term, TermError, WordMatcher, parse_term

# Few letters, so that terms share words and runs of repeated letters are common.
LETTERS = "abst"
WORD = st.text(alphabet=LETTERS, min_size=1, max_size=6)
# How a letter may be written in a comment: itself, a capital, a leet digit or symbol.
WRITTEN = {"a": "aaA4@", "b": "bbB8", "s": "ssS5$", "t": "ttT7+"}
GAPS = (" ", " ", "  ", ".", "-", "\n", "\n\n", " \n \n", ", ", "_", "*", "'", "\u200b", "!")


@st.composite
def entries(draw: st.DrawFn) -> str:
    """A list entry: one to three words, sometimes a wildcard on either side, sometimes leet."""
    words = draw(st.lists(WORD, min_size=1, max_size=3))
    entry = " ".join(words)
    if draw(st.integers(0, 4)) == 0:
        entry = "".join(draw(st.sampled_from(WRITTEN[c])) if c in WRITTEN else c for c in entry)
    lead, trail = draw(st.sampled_from([("", ""), ("", ""), ("", ""), ("*", ""), ("", "*")]))
    if len(words) == 1 and draw(st.integers(0, 5)) == 0:
        lead, trail = "*", "*"
    return f"{lead}{entry}{trail}"


@st.composite
def texts(draw: st.DrawFn, terms: list[str]) -> str:
    """Words of the terms (and others), letters stretched, disguised, and odd gaps."""
    pool = [word for term in terms for word in term.strip("*").split()]
    pieces = []
    for _ in range(draw(st.integers(0, 10))):
        word = draw(st.sampled_from(pool) if pool and draw(st.booleans()) else WORD)
        for letter in word:
            written = draw(st.sampled_from(WRITTEN.get(letter.lower(), letter)))
            pieces.append(written * draw(st.sampled_from([1, 1, 1, 2, 3, 4])))
        pieces.append(draw(st.sampled_from(GAPS)))
        if draw(st.integers(0, 6)) == 0:
            pieces.append(draw(st.sampled_from(["es", "s", "ies", "x", "\u00e9", "\u4e2d"])))
    return "".join(pieces)


@st.composite
def cases(draw: st.DrawFn) -> tuple[list[str], list[str], str, bool, bool]:
    terms = draw(st.lists(entries(), min_size=1, max_size=8))
    allow = draw(st.lists(entries().filter(lambda entry: "*" not in entry), max_size=1))
    spaced = draw(st.booleans())
    text = draw(texts(terms))
    if spaced:
        # Spaced-out letters are read joined: "s b t" is the word "sbt".
        text = " ".join(text) if len(text) < 20 else text
    return terms, allow, text, draw(st.booleans()), draw(st.booleans())


def parsed(entries_: list[str], *, fold_case: bool) -> list[Term]:
    """The entries that are terms ("*@*" is not: a symbol with wildcards)."""
    terms = []
    for entry in entries_:
        with contextlib.suppress(TermError):
            terms.append(parse_term(entry, fold_case=fold_case))
    return terms


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(cases())
def test_the_lookup_finds_what_re2_finds(
    case: tuple[list[str], list[str], str, bool, bool],
) -> None:
    entries_, allowed, text, fold_case, plurals = case
    terms = parsed(entries_, fold_case=fold_case)
    allow = [term for term in parsed(allowed, fold_case=fold_case) if not term.symbolic]
    by_re2 = WordMatcher(terms, allow=allow, fold_case=fold_case, plurals=plurals, lookup=False)
    looked_up = WordMatcher(terms, allow=allow, fold_case=fold_case, plurals=plurals, lookup=True)
    assert looked_up.find_slowly(text) == by_re2.find_slowly(text)
    assert looked_up.find(text) == by_re2.find(text)


@pytest.mark.parametrize(
    ("written", "word", "matches"),
    [
        ("shit", "shit", True),
        ("shiiit", "shit", True),
        ("shiit", "shit", False),  # a double letter is another word ("as", "ass")
        ("ass", "ass", True),
        ("asssss", "ass", True),
        ("as", "ass", False),
        ("aaa", "aaa", True),
        ("aaaa", "aaa", False),
        ("bossss", "boss", True),
    ],
)
def test_a_word_fits_a_term_word_run_by_run(written: str, word: str, matches: bool) -> None:
    assert squeezed(written) == squeezed(word)
    assert fits(written, word) is matches


def test_the_longest_phrase_at_the_leftmost_word_wins() -> None:
    lookup = WordLookup[str](
        [(("you",), "you"), (("you", "people"), "you people"), (("people",), "people")]
    )
    text = "hey you  people\n\nyou\n\npeople"
    assert lookup.search(text) == (3, 16)
    # A phrase never crosses a blank line.
    assert lookup.search(text, 15) == (16, 21)
    assert lookup.search(text, 20) == (21, 28)
    assert lookup.search(text, 28) is None


def test_a_long_list_uses_the_lookup_and_still_names_its_terms() -> None:
    terms = [parse_term(f"zq{number:05d}x") for number in range(13_000)] + [parse_term("moron*")]
    matcher = WordMatcher(terms)
    assert any(isinstance(scanner, WordLookup) for scanner in matcher._scanner or [])
    # Stretched letters and the plural of a word with digits (there is none).
    found = matcher.find("ZQ00007X, zqqq00007x; morons, zqq00007x and zq00007xs")
    assert [(match.start, match.end, [term.entry for term in match.terms]) for match in found] == [
        (0, 8, ["zq00007x"]),
        (10, 20, ["zq00007x"]),
        (22, 28, ["moron*"]),
    ]


def test_terms_that_read_the_same_are_named_in_the_lists_order() -> None:
    terms: list[Term] = [parse_term(entry) for entry in ("@55", "ass", "a55")]
    for lookup in (False, True):
        (match,) = WordMatcher(terms, lookup=lookup).find("asss")
        assert [term.entry for term in match.terms] == ["@55", "ass", "a55"]


def parsed_slowly(entry: str, *, fold_case: bool) -> Term:
    """``parse_term`` as it reads every entry when there is no fast path for plain words."""
    text = entry.strip()
    core = text.strip("*")
    reading = readings(fold_text(core, fold_case=fold_case))[0].text
    return Term(text, tuple(re.findall(r"[^\W_]+", reading)), text[0] == "*", text[-1] == "*")


@settings(max_examples=500)
@given(
    st.text(alphabet=st.sampled_from("abzAZ09 1734$@!+-'._\u00e9\u0430"), min_size=1, max_size=12),
    st.sampled_from(["", "*"]),
    st.sampled_from(["", "*"]),
    st.booleans(),
)
def test_plain_words_are_read_as_the_slow_path_reads_them(
    core: str, lead: str, trail: str, fold_case: bool
) -> None:
    entry = f"{lead}{core}{trail}"
    try:
        term = parse_term(entry, fold_case=fold_case)
    except TermError:
        return
    if not term.symbolic:
        slowly = parsed_slowly(entry, fold_case=fold_case)
        assert (term.entry, term.words, term.lead, term.trail) == (
            slowly.entry,
            slowly.words,
            slowly.lead,
            slowly.trail,
        )


STRETCHED = [
    ("aabbccddee", "xx aaabbbcccdddeee yy"),
    ("aabbccddee ab*", "aaabbbcccdddeee abbbb"),
    ("ab*", "aabbccddee abbbbb"),
    ("aabbccddee aab*", "aaabbbcccdddeee"),  # both found one by one, named in the list's order
    ("aab* aabbccddee", "aaabbbcccdddeee"),
]


@pytest.mark.parametrize(("entries_", "text"), STRETCHED)
def test_a_word_stretched_past_the_variants_is_named_as_by_re2(entries_: str, text: str) -> None:
    # More stretched runs than identify's variants cover: each term is tried on its own.
    terms = [parse_term(entry) for entry in (*entries_.split(" "), "aabbccddeeff*", "zz")]
    by_re2 = WordMatcher(terms, lookup=False).find(text)
    assert by_re2
    assert WordMatcher(terms, lookup=True).find(text) == by_re2


def test_naming_a_stretched_word_compiles_only_the_wildcard_terms() -> None:
    # A long list's million whole-word patterns would take minutes to compile one by one.
    terms = [parse_term(f"zq{number:05d}x") for number in range(13_000)]
    terms += [parse_term("aabbccddee"), parse_term("aabbccddeeff*")]
    matcher = WordMatcher(terms)
    (match,) = matcher.find("xx aaabbbcccdddeee yy")
    assert [term.entry for term in match.terms] == ["aabbccddee"]
    assert [term.entry for term, _ in matcher._index._one_by_one or []] == ["aabbccddeeff*"]
