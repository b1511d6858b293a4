"""The word-list rule: disguises caught at their original offsets, innocent words left alone."""

from __future__ import annotations

import csv
import itertools
import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from moderator.domain import Severity
from moderator.rules.loader import LoadError, load_rule_set
from moderator.rules.model import CommentSnapshot, Hit, RuleAction, RuleConfigError, RuleContext
from moderator.rules.normalize import fold_text
from moderator.rules.wordmatch import WordMatcher, parse_term
from moderator.rules.words import WordListRule

SHARED_DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
SURGE_CSV = SHARED_DATA / "wordlists" / "surge-ai" / "profanity_en.csv"
LDNOOBW = SHARED_DATA / "wordlists" / "ldnoobw" / "en"

# Our own small list: enough words hiding inside innocent ones to catch a substring matcher.
TERMS = (
    *("shit", "ass", "cunt", "cock", "dick", "tit", "rape", "rapist", "anal", "sex"),
    *("penis", "crap", "cum", "fag", "hoe", "grape", "piss", "idiot*", "*hole"),
    *("you people", "go back to", "xxx", "69"),
)
INNOCENT = (
    *("Scunthorpe", "assessment", "cocktail", "Dickens", "therapist", "analysis", "Essex"),
    *("class", "Sussex", "passion", "assume", "shiitake", "cumulative", "document"),
    *("Hancock", "Penistone", "scrapbook", "as soon as", "Middlesex", "bass", "assassin"),
    *("Titanic", "cockpit", "shoe", "a 1:1 ratio", "route 455", "$4.55", "$$$", "!!!"),
    *("in 1969", "the U.S. a lot", "I'm a b", "hello", "wholesome", "goes back to"),
    *("shoes", "classes", "analyses", "assesses", "titans", "cumulus", "pistons"),
    *("piston", "titan", "sextant", "Anglo-Saxon", "grapefruit", "your people"),
)


def rule(*terms: str, allow: tuple[str, ...] = ()) -> WordListRule:
    return WordListRule(id="banned", terms=terms or TERMS, severity=Severity.HIGH, allow=allow)


def check(subject: WordListRule, body: str) -> list[Hit]:
    return subject.check(CommentSnapshot(body=body), RuleContext())


def found(body: str, *terms: str) -> list[tuple[str, str | None]]:
    return [(hit.matched or "", hit.term) for hit in check(rule(*terms), body)]


@pytest.mark.parametrize(
    ("body", "span", "reads"),
    [
        ("$h1t", (0, 4), "shit"),
        ("what a sh!t day", (7, 11), "shit"),
        ("SHIT!", (0, 4), "shit"),
        ("shiiiiit", (0, 8), "shit"),
        ("sh1iiit", (0, 7), "shit"),
        ("s h i t", (0, 7), "shit"),
        ("s.h.i.t", (0, 7), "shit"),
        ("s-h-i-t", (0, 7), "shit"),
        ("you are a s h i t", (10, 17), "shit"),
        ("\u0455\u04bb\u0456t", (0, 4), "shit"),  # Cyrillic dze, shha, i
        ("\uff53\uff48\uff49\uff54", (0, 4), "shit"),  # fullwidth
        ("\U0001d42c\U0001d421\U0001d422\U0001d42d", (0, 4), "shit"),  # mathematical bold
        ("s\u200bh\u200ci\u200dt", (0, 7), "shit"),  # zero-width characters
        ("s\u00adhit", (0, 5), "shit"),  # soft hyphen
        ("\u202eshit", (1, 5), "shit"),  # a bidi control before it is left out of the span
        ("s\u0336h\u0336i\u0336t\u0336", (0, 8), "shit"),  # struck through, marks and all
        ("sh\u00eft", (0, 4), "shit"),
        ("a55", (0, 3), "ass"),
        ("@55", (0, 3), "ass"),
        ("@ss", (0, 3), "ass"),
        ("@$$!", (0, 3), "ass"),
        ("4$$", (0, 3), "ass"),
        ("asss", (0, 4), "ass"),
        ("c\u00fcnt", (0, 4), "cunt"),
        ("c u n t", (0, 7), "cunt"),
        ("1d10t", (0, 5), "idiot"),
        ("\U0001f600 r4p3 \U0001f600", (2, 6), "rape"),
        ("\ud83d shit", (2, 6), "shit"),  # a lone surrogate before it
        ("\U0001f4a9shit\U0001f4a9", (1, 5), "shit"),  # emoji are punctuation
        ("caf\u00e9 \u201cshit\u201d", (6, 10), "shit"),
        ("XXX", (0, 3), "xxx"),
        ("route 69", (6, 8), "69"),
    ],
)
def test_disguises_hit_at_their_original_span(body: str, span: tuple[int, int], reads: str) -> None:
    hits = check(rule(), body)
    assert [(hit.spans, hit.matched, hit.normalized) for hit in hits] == [
        ((span,), body[span[0] : span[1]], reads)
    ]


@pytest.mark.parametrize("body", INNOCENT)
def test_innocent_words_stay_clean(body: str) -> None:
    assert check(rule(), body) == []


@pytest.mark.parametrize(
    ("body", "reads", "explanation"),
    [
        ("idiots", "idiots", "'idiots', plural of 'idiot' (banned, high)"),
        ("Bitches", "bitches", "'Bitches', plural of 'bitch' (banned, high)"),
        ("b1tches", "bitches", "'b1tches' reads as 'bitches', plural of 'bitch' (banned, high)"),
        ("pussies", "pussies", "'pussies', plural of 'pussy' (banned, high)"),
        ("heroes", "heroes", "'heroes', plural of 'hero' (banned, high)"),
        ("heros", "heros", "'heros', plural of 'hero' (banned, high)"),
        ("you people", "you people", "'you people' is on the list 'banned' (high)"),
        ("asses", "asses", "'asses', plural of 'ass' (banned, high)"),
        ("assholes", "assholes", "'assholes' matches '*hole' (banned, high)"),
        ("holes", "holes", "'holes' matches '*hole' (banned, high)"),
    ],
)
def test_a_term_matches_its_regular_plural(body: str, reads: str, explanation: str) -> None:
    terms = ("idiot", "bitch", "pussy", "hero", "you people", "ass", "*hole")
    [hit] = check(rule(*terms), body)
    assert (hit.matched, hit.normalized, hit.explanation) == (body, reads, explanation)


@pytest.mark.parametrize(
    "body", ["spices", "spicy", "idiotss", "bitchs", "pussys", "you peopled", "heroess"]
)
def test_only_regular_plurals_match(body: str) -> None:
    assert check(rule("spic", "idiot", "bitch", "pussy", "ass", "you people", "hero"), body) == []


def test_plurals_can_be_turned_off() -> None:
    table = {"id": "exact", "kind": "words", "terms": ["idiot", "*hole"], "plurals": False}
    exact = WordListRule.from_table(table, base_dir=Path())
    assert [hit.matched for hit in check(exact, "idiots idiot assholes asshole")] == [
        "idiot",
        "asshole",
    ]
    with pytest.raises(RuleConfigError, match="plurals must be true or false"):
        WordListRule.from_table({**table, "plurals": "no"}, base_dir=Path())


def test_the_rapist_is_not_therapist() -> None:
    assert found("the rapist", "rapist") == [("rapist", "rapist")]
    assert found("therapist", "rapist") == []


@pytest.mark.parametrize(
    ("body", "matched"),
    [
        ("you people", "you people"),
        ("You... PEOPLE!", "You... PEOPLE"),
        ("you  -  people", "you  -  people"),
        ("you\npeople", "you\npeople"),
        ("y0u p30pl3", "y0u p30pl3"),
        ("go back to where", "go back to"),
        ("go,back,to", "go,back,to"),
    ],
)
def test_phrases_match_across_spaces_and_punctuation(body: str, matched: str) -> None:
    assert found(body, "you people", "go back to")[0][0] == matched


def test_a_phrase_does_not_run_into_the_next_paragraph() -> None:
    assert found("you\n\npeople", "you people") == []
    assert found("you \r\n \r\npeople", "you people") == []
    assert found("you\n.\npeople", "you people") == []


def test_later_paragraphs_keep_their_offsets() -> None:
    body = "A first paragraph.\n\nAnd a $h1t second.\n \nThird: idiots."
    hits = check(rule(), body)
    assert [(hit.matched, hit.spans) for hit in hits] == [
        ("$h1t", ((26, 30),)),
        ("idiots", ((48, 54),)),
    ]
    assert [body[start:end] for hit in hits for start, end in hit.spans] == ["$h1t", "idiots"]


@pytest.mark.parametrize("body", ["you peopled", "your people", "go back", "young people"])
def test_phrases_match_whole_words(body: str) -> None:
    assert found(body, "you people", "go back to") == []


@pytest.mark.parametrize(
    ("term", "body", "matched"),
    [
        ("idiot*", "idiot", "idiot"),
        ("idiot*", "idiots", "idiots"),
        ("idiot*", "so idiotic!", "idiotic"),
        ("idiot*", "1d10tic", "1d10tic"),
        ("*hole", "asshole", "asshole"),
        ("*hole", "a55hole", "a55hole"),
        ("*hole", "hole", "hole"),
        ("*hole", "a**hole", "hole"),  # masking asterisks are punctuation: "a" and "hole"
        ("*idiot*", "superidiotic", "superidiotic"),
        ("go back*", "go backwards", "go backwards"),
        ("*people", "you townspeople", "townspeople"),
    ],
)
def test_wildcards_stand_for_more_letters(term: str, body: str, matched: str) -> None:
    assert found(body, term)[0] == (matched, term)


@pytest.mark.parametrize(
    ("term", "body"), [("idiot*", "anidiot"), ("*hole", "holed"), ("idiot*", "idio")]
)
def test_wildcards_keep_the_other_side_whole(term: str, body: str) -> None:
    assert found(body, term) == []


def test_the_allow_list_names_exceptions() -> None:
    subject = rule("*cunt*", "dick*", allow=("scunthorpe", "dickens"))
    assert check(subject, "Scunthorpe and Dickens") == []
    assert [hit.matched for hit in check(subject, "Sc\u00fcnthorpe, you cunt, dickhead")] == [
        "cunt",
        "dickhead",
    ]


def test_a_suffix_wildcard_needs_the_allow_list_for_whole_words() -> None:
    assert found("whole", "*hole") == [("whole", "*hole")]
    assert check(rule("*hole", allow=("whole",)), "whole") == []


def test_the_allow_list_takes_phrases() -> None:
    subject = rule("go back to", allow=("go back to work",))
    assert check(subject, "go back to work") == []
    assert len(check(subject, "go back to where you came from")) == 1


@pytest.mark.parametrize(
    ("body", "explanation"),
    [
        ("$h1t", "'$h1t' reads as 'shit' (banned, high)"),
        ("shit", "'shit' is on the list 'banned' (high)"),
        ("Shit", "'Shit' is on the list 'banned' (high)"),
        ("idiots", "'idiots' matches 'idiot*' (banned, high)"),
        ("1d10000ts", "'1d10000ts' reads as 'idiots', which matches 'idiot*' (banned, high)"),
        ("s\u200bhit", "'s\\u200bhit' reads as 'shit' (banned, high)"),
    ],
)
def test_each_hit_explains_itself(body: str, explanation: str) -> None:
    assert [hit.explanation for hit in check(rule(), body)] == [explanation]


def test_the_explanation_names_the_description_when_there_is_one() -> None:
    subject = WordListRule(id="w", description="insults", terms=("idiot",))
    assert check(subject, "idiot")[0].explanation == "'idiot' is on the list 'insults' (medium)"


def test_a_hit_carries_the_evidence() -> None:
    subject = WordListRule(
        id="slurs", terms=("sh!t",), severity=Severity.LOW, action=RuleAction.HIDE
    )
    (hit,) = check(subject, "oh $h1t.")
    assert hit == Hit(
        rule_id="slurs",
        severity=Severity.LOW,
        action=RuleAction.HIDE,
        explanation="'$h1t' reads as 'shit' (slurs, low)",
        spans=((3, 7),),
        matched="$h1t",
        normalized="shit",
        term="sh!t",
    )


def test_one_hit_per_place() -> None:
    hits = check(rule(), "shit, $h1t and s h i t! asshole")
    assert [hit.matched for hit in hits] == ["shit", "$h1t", "s h i t", "asshole"]
    assert [hit.term for hit in hits] == ["shit", "shit", "shit", "*hole"]


def test_case_sensitive_lists() -> None:
    subject = WordListRule(id="names", terms=("ISIS",), case_sensitive=True)
    hits = check(subject, "ISIS and isis, I\u0405IS")
    assert [hit.matched for hit in hits] == ["ISIS", "I\u0405IS"]


def test_terms_of_symbols_match_where_written() -> None:
    subject = rule("\U0001f595")
    hits = check(subject, "here \U0001f595\U0001f3fb!")
    assert [(hit.spans, hit.normalized) for hit in hits] == [(((5, 6),), "\U0001f595")]
    assert check(subject, "no middle finger here") == []


def test_a_catastrophic_looking_term_is_text_not_a_regex() -> None:
    # As a regex, "(a|aa)?b" backtracks without end on a long run of "a"; as a term it is the
    # words "a aa b", and "(.)" is no regex either.
    subject = rule("(a|aa)?b", "(.)")
    assert check(subject, "a" * 5_000 + "!") == []
    assert check(subject, "x" * 100) == []
    hits = check(subject, "x (a|aa)?b y")
    assert [(hit.matched, hit.normalized) for hit in hits] == [("a|aa)?b", "a aa b")]


def test_terms_and_severities_from_a_csv_file(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text(
        "text,severity_description\n$h1t,Mild\ncunt,SEVERE\nidiot*,strong\ncrap,\n",
        encoding="utf-8",
    )
    table = {"id": "csv", "terms_file": "list.csv", "severity_column": "severity_description"}
    subject = WordListRule.from_table(table, base_dir=tmp_path)
    hits = check(subject, "shit, cunt, idiots, crap")
    assert [(hit.matched, hit.severity) for hit in hits] == [
        ("shit", Severity.LOW),
        ("cunt", Severity.HIGH),
        ("idiots", Severity.MEDIUM),
        ("crap", Severity.MEDIUM),  # no severity in the file: the rule's
    ]
    assert hits[1].explanation == "'cunt' is on the list 'csv' (high)"
    assert subject.sources() == (path,)


def test_terms_from_a_text_file(tmp_path: Path) -> None:
    (tmp_path / "words.txt").write_text(
        "# insults\nidiot*\n\n   moron  \n# that's all\n", encoding="utf-8"
    )
    subject = WordListRule.from_table(
        {"id": "t", "terms": ["you people"], "terms_file": "words.txt"}, base_dir=tmp_path
    )
    assert [hit.term for hit in check(subject, "you people, morons, idiots")] == [
        "you people",
        "moron",  # "morons": its plural
        "idiot*",
    ]


def test_the_loader_accepts_the_rules_keys(tmp_path: Path) -> None:
    (tmp_path / "list.csv").write_text("word,level\nidiot,Mild\n", encoding="utf-8")
    (tmp_path / "rules.toml").write_text(
        '[[rule]]\nid = "w"\nkind = "words"\nseverity = "high"\nterms = ["moron"]\n'
        'terms_file = "list.csv"\nterm_column = "word"\nseverity_column = "level"\n'
        'allow = ["moronic"]\ncase_sensitive = false\n',
        encoding="utf-8",
    )
    (subject,) = load_rule_set(tmp_path / "rules.toml", kinds={"words": WordListRule}).rules
    assert isinstance(subject, WordListRule)
    assert [hit.severity for hit in check(subject, "idiot moron moronic")] == [
        Severity.LOW,
        Severity.HIGH,
    ]


def test_the_loader_reports_a_bad_term_at_its_key(tmp_path: Path) -> None:
    (tmp_path / "rules.toml").write_text(
        '[[rule]]\nid = "w"\nkind = "words"\n\nterms = ["ok", "c*nt"]\n', encoding="utf-8"
    )
    with pytest.raises(LoadError, match=r"rules.toml:5: rule 'w': term 2 'c\*nt' has a \* inside"):
        load_rule_set(tmp_path / "rules.toml", kinds={"words": WordListRule})


@pytest.mark.parametrize(
    ("table", "key", "message"),
    [
        ({}, "terms", "the list has no terms"),
        ({"terms": "idiot"}, "terms", "terms must be a list of strings"),
        ({"terms": [1]}, "terms", "terms must be a list of strings"),
        ({"terms": ["ok", " "]}, "terms", "term 2 ' ' is empty"),
        ({"terms": ["c*nt"]}, "terms", r"term 1 'c\*nt' has a \* inside"),
        ({"terms": ["*"]}, "terms", "is only a wildcard"),
        ({"terms": ["\u200b"]}, "terms", "has nothing visible"),
        ({"terms": ["*\U0001f595"]}, "terms", "a \\* only goes with words"),
        ({"terms": ["x"], "allow": ["a*b"]}, "allow", r"allow entry 1 'a\*b' has a \* inside"),
        ({"terms": ["x"], "allow": ["!!!"]}, "allow", "has no letter or digit"),
        ({"terms": ["x"], "case_sensitive": "yes"}, "case_sensitive", "true or false"),
        ({"terms_file": "missing.txt"}, "terms_file", "cannot read .*missing.txt"),
        ({"terms_file": ""}, "terms_file", "must be a non-empty string"),
        ({"terms": ["x"], "term_column": "a"}, "term_column", "is for a CSV terms_file"),
        ({"terms_file": "bad.csv", "term_column": "word"}, "term_column", "no column 'word'"),
        (
            {"terms_file": "bad.csv", "severity_column": "level"},
            "severity_column",
            r"bad.csv:3: severity 'extreme' is not Mild, Strong or Severe",
        ),
        ({"terms_file": "bad.csv"}, "terms_file", r"bad.csv:4: term 'c\*nt' has a \* inside"),
        ({"terms_file": "latin1.txt"}, "terms_file", "is not UTF-8 text"),
    ],
)
def test_config_errors_name_their_key(
    tmp_path: Path, table: dict[str, object], key: str, message: str
) -> None:
    (tmp_path / "bad.csv").write_text(
        "text,level\nidiot,mild\nmoron,extreme\nc*nt,severe\n", encoding="utf-8"
    )
    (tmp_path / "latin1.txt").write_bytes("caf\u00e9\n".encode("latin-1"))
    with pytest.raises(RuleConfigError, match=message) as raised:
        WordListRule.from_table({"id": "w", **table}, base_dir=tmp_path)
    assert raised.value.key == key


def test_common_fields_pass_through(tmp_path: Path) -> None:
    table = {
        "id": "w",
        "kind": "words",
        "description": "d",
        "severity": Severity.LOW,
        "action": RuleAction.HIDE,
        "enabled": False,
        "terms": ["x"],
    }
    subject = WordListRule.from_table(table, base_dir=tmp_path)
    assert (subject.description, subject.severity, subject.action, subject.enabled) == (
        "d",
        Severity.LOW,
        RuleAction.HIDE,
        False,
    )


# --- the prefilter never changes an answer -----------------------------------------------------

PROPERTY_TERMS = (
    *("shit", "ass", "idiot*", "*hole", "you people", "go back to", "tit", "as", "cum"),
    *("69", "xxx", "a b c", "*cunt*", "\U0001f595", "!!!", "n\u00e9gro"),
)
LOOKS = {
    "a": "aA4@\u00e0\u0430\uff41\u03b1",
    "s": "sS$5\u0455\u015b",
    "i": "iI1!\u00ed\u0456\u0131",
    "t": "tT7+\u0165\u0442",
    "o": "oO0\u00f6\u043e\u03bf",
    "e": "eE3\u00e9\u0435",
    "h": "hH\u04bb",
    "c": "cC\u0441\u00e7",
    "u": "uU\u00fc\u03c5",
}
JOINS = ("", "", "", "\u200b", "\u00ad", "\u0336", " ", ".", "-", "  ", "\ufe0f", "_", "*", "'")
FILLER = st.text(
    alphabet=st.sampled_from(
        [
            *"abcdefghijklmnopqrstuvwxyz ABC.,!?'$@1234567890\n-_*",
            *("\u00e9", "\u2019", "\U0001f600", "\u200b", "\u0301", "\ufb01", "\u0130"),
            *("\u00df", "\ud800", "\u2026", "\u24e2", "\uff33", "\U0001d42c", "\U0001f595"),
        ]
    ),
    max_size=30,
)


@st.composite
def disguised(draw: st.DrawFn) -> str:
    """A term with its letters swapped for look-alikes, repeated, and joined by odd gaps."""
    term = draw(st.sampled_from(PROPERTY_TERMS)).strip("*")
    pieces = []
    for letter in term:
        pieces.append(draw(st.sampled_from(LOOKS.get(letter, letter + letter.upper()))))
        pieces[-1] *= draw(st.integers(1, 4))
        pieces.append(draw(st.sampled_from(JOINS)))
    return "".join(pieces)


MATCHERS = {
    fold: WordMatcher(
        [parse_term(term, fold_case=fold) for term in PROPERTY_TERMS],
        allow=[parse_term("scunthorpe", fold_case=fold)],
        fold_case=fold,
    )
    for fold in (True, False)
}


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.one_of(disguised(), FILLER, st.text(max_size=8)), max_size=6),
    st.booleans(),
)
def test_the_prefilter_lets_through_everything_the_matcher_finds(
    parts: list[str], fold_case: bool
) -> None:
    matcher = MATCHERS[fold_case]
    text = "".join(parts)
    slowly = matcher.find_slowly(text)
    if slowly:
        assert matcher.look(text)
    assert matcher.find(text) == slowly


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(disguised(), FILLER, st.sampled_from(["\n\n", "\n \n"])), max_size=12))
def test_reading_paragraph_by_paragraph_makes_no_difference(parts: list[str]) -> None:
    matcher = MATCHERS[True]
    text = "".join(parts)
    assert matcher.find(text) == matcher.find_slowly(text)


# A number and its ending, never read as a word (moderator.rules.normalize).
NUMBER_WITH_ENDING = re.compile(r"\d+(?:s|st|nd|rd|th|am|pm|k|m|b|x|d|h)", re.IGNORECASE)


@settings(max_examples=300)
@given(st.sampled_from(PROPERTY_TERMS[:9]), st.data())
def test_every_disguise_of_a_term_is_found(term: str, data: st.DataObject) -> None:
    word = term.strip("*")
    letters = [data.draw(st.sampled_from(LOOKS.get(letter, letter))) for letter in word]
    # A word needs a letter: all digits is a number ("45" is not "as", "70" not "to"), and
    # so is a number with an ending ("45s" are records, "7th" an inning).
    assume(all(re.search(r"[^\W\d_]", part) for part in "".join(letters).split()))
    folded = fold_text("".join(letters)).text
    assume(not any(NUMBER_WITH_ENDING.fullmatch(part) for part in folded.split()))
    body = "x " + "".join(letters) + " y"
    matches = MATCHERS[True].find(body)
    assert [(match.start, match.end) for match in matches] == [(2, 2 + len(letters))]


# --- the real lists, read at run time ----------------------------------------------------------


@pytest.fixture
def shared_lists() -> tuple[Path, Path]:
    missing = [str(path) for path in (SURGE_CSV, LDNOOBW) if not path.exists()]
    if missing:
        pytest.skip(f"the shared word lists are absent ({', '.join(missing)})")
    return SURGE_CSV, LDNOOBW


@pytest.mark.shared
def test_the_published_lists_leave_innocent_words_alone(shared_lists: tuple[Path, Path]) -> None:
    surge, ldnoobw = shared_lists
    with surge.open(newline="", encoding="utf-8") as handle:
        listed = [row["text"] for row in csv.DictReader(handle)]
    listed += ldnoobw.read_text(encoding="utf-8").splitlines()
    # The lists write some masked words ("c*nt"): a * inside a term is refused, so leave them.
    terms = tuple(term for term in listed if term.strip() and "*" not in term.strip("*"))
    subject = WordListRule(id="published", terms=terms)
    innocent = [body for body in INNOCENT if body not in {"in 1969"}]  # "69" is on the list
    assert {body: check(subject, body) for body in innocent} == {body: [] for body in innocent}
    assert [hit.normalized for hit in check(subject, "$h1t, b!tch")] == ["shit", "bitch"]


@pytest.mark.shared
def test_the_surge_list_says_where_its_masked_words_are(shared_lists: tuple[Path, Path]) -> None:
    surge, _ = shared_lists
    table = {"id": "surge", "terms_file": str(surge), "severity_column": "severity_description"}
    with pytest.raises(RuleConfigError, match=r"profanity_en.csv:\d+: term 'c\*nt'") as raised:
        WordListRule.from_table(table, base_dir=surge.parent)
    assert raised.value.key == "terms_file"


def test_many_terms_compile(tmp_path: Path) -> None:
    # Two thousand generated terms, many sharing prefixes: the matcher is built and works.
    letters = "abcdefghij"
    terms = ["".join(word) for word in itertools.product(letters, repeat=4)][:2_000]
    subject = WordListRule(id="many", terms=tuple(terms))
    assert [hit.matched for hit in check(subject, "xx abcd ABCE jjjj")] == ["abcd", "ABCE"]


# A list long enough to be compiled in parts finds what one compiled whole finds.
PART_TERMS = [
    "idiot",
    "moron",
    "you people",
    "shut up",
    "clown*",
    "*hole",
    "go back to your country",
    "fool",
    "troll",
    "liar",
    "hack",
    "shill",
]
PART_WORDS = [
    "idiot",
    "idiots",
    "moron",
    "you",
    "people",
    "shut",
    "up",
    "clowns",
    "a-hole",
    "go",
    "back",
    "to",
    "your",
    "country",
    "fools",
    "tr0ll",
    "l i a r",
    "hack",
    "shill",
    "the",
    "café",
    "I'm",
    "\u200bidiot",
    "\n\n",
    ",",
    "IDIOT",
]


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PART_WORDS), max_size=25).map(" ".join))
def test_a_list_compiled_in_parts_finds_what_it_finds_whole(body: str) -> None:
    from moderator.rules import prefilter  # noqa: PLC0415

    terms = [parse_term(term) for term in PART_TERMS]
    allow = [parse_term("shut up shop")]
    whole = WordMatcher(terms, allow=allow)
    saved = prefilter.TERMS_PER_PART
    prefilter.TERMS_PER_PART = 2
    try:
        in_parts = WordMatcher(terms, allow=allow)
    finally:
        prefilter.TERMS_PER_PART = saved
    assert len(in_parts._scanner or []) > 1
    assert in_parts.find(body) == whole.find(body)
    assert bool(in_parts.look(body)) == bool(whole.look(body))


def test_fifty_thousand_terms_load_and_match(tmp_path: Path) -> None:
    words = [f"zq{number:05d}x" for number in range(50_000)]
    (tmp_path / "huge.txt").write_text("\n".join(words) + "\n", encoding="utf-8")
    (tmp_path / "huge.toml").write_text(
        '[ruleset]\nname = "Huge"\n\n[[rule]]\nid = "huge"\nkind = "words"\n'
        'severity = "medium"\naction = "flag"\nterms_file = "huge.txt"\n',
        encoding="utf-8",
    )
    (rule,) = load_rule_set(tmp_path / "huge.toml").rules
    assert isinstance(rule, WordListRule)
    context = RuleContext()
    hits = rule.check(CommentSnapshot("first zq00007x then ZQ49999X, not zq50000x"), context)
    assert sorted(span for hit in hits for span in hit.spans) == [(6, 14), (20, 28)]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_word_list_that_is_a_fifo_is_refused_at_its_key(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "words.txt")
    path = tmp_path / "rules.toml"
    path.write_text('[[rule]]\nid = "w"\nkind = "words"\nterms_file = "words.txt"\n')
    with pytest.raises(LoadError) as caught:
        load_rule_set(path)
    assert str(caught.value) == (
        f"{path}:4: rule 'w': cannot read {tmp_path / 'words.txt'}: not a regular file"
    )


@pytest.mark.parametrize(
    "term", ["a" * 201, "ab " * 70_000, "a*" * 100_000], ids=["long", "phrase", "wildcards"]
)
def test_a_term_too_long_for_a_word_or_phrase_is_refused_briefly_and_quietly(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], term: str
) -> None:
    # A phrase of 70,000 words overwhelmed RE2, which wrote some 48,000 lines of its own
    # to the terminal before refusing; and every refusal quoted the whole term.
    (tmp_path / "words.txt").write_text(f"fine\n{term}\n", encoding="utf-8")
    path = tmp_path / "rules.toml"
    path.write_text('[[rule]]\nid = "w"\nkind = "words"\nterms_file = "words.txt"\n')
    with pytest.raises(LoadError) as caught:
        load_rule_set(path)
    said = str(caught.value)
    assert said.startswith(f"{path}:4: rule 'w': words.txt:2: term '{term.strip()[:59]}'…")
    assert said.endswith("is longer than 200 characters: not a word or phrase")
    assert len(said) < 300
    assert capfd.readouterr().err == ""
