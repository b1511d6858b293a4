"""Text kinds: regex, links, shouting, repeats and length; hits with spans, and config errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from moderator.domain import Severity
from moderator.rules.gates import TextGates
from moderator.rules.loader import load_rule_set
from moderator.rules.model import (
    CommentSnapshot,
    Hit,
    Rule,
    RuleAction,
    RuleConfigError,
    RuleContext,
)
from moderator.rules.text_rules import (
    MAX_REGEX_HITS,
    LengthRule,
    LinksRule,
    RegexRule,
    RepeatsRule,
    ShoutingRule,
    links_in,
)


def build(kind: type[Rule], **table: Any) -> Any:
    return kind.from_table({"id": "t", "kind": kind.kind, **table}, base_dir=Path())


def check(rule: Rule, body: str) -> list[Hit]:
    return rule.check(CommentSnapshot(body), RuleContext())


def spans_and_words(hits: list[Hit], body: str) -> list[list[str]]:
    return [[body[start:end] for start, end in hit.spans] for hit in hits]


# --- regex ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "case_sensitive", "body", "spans"),
    [
        (r"\bbuy now\b", False, "Buy NOW, buy now!", [(0, 7), (9, 16)]),
        (r"\bbuy now\b", True, "Buy NOW, buy now!", [(9, 16)]),
        (r"\bbuy now\b", False, "buy nowhere", []),
        # Spans count characters, not UTF-8 bytes.
        ("café", False, "Ünïcode CAFÉ, café", [(8, 12), (14, 18)]),
        ("x+", False, "😀x 😀xx", [(1, 2), (4, 6)]),
        # An empty match shows nothing; the non-empty ones are hits.
        ("a*", False, "baab", [(1, 3)]),
    ],
)
def test_regex_hits_each_match_with_its_span(
    pattern: str, case_sensitive: bool, body: str, spans: list[tuple[int, int]]
) -> None:
    rule = build(RegexRule, pattern=pattern, case_sensitive=case_sensitive, description="Spam")
    hits = check(rule, body)
    assert [hit.spans for hit in hits] == [(span,) for span in spans]
    assert [hit.matched for hit in hits] == [body[start:end] for start, end in spans]
    if hits:
        assert hits[0].explanation == f"'{hits[0].matched}' matches: Spam"


def test_regex_explanation_falls_back_to_the_pattern_and_quotes_briefly() -> None:
    rule = build(RegexRule, pattern="a+")
    [hit] = check(rule, "a" * 100)
    assert hit.explanation == f"'{'a' * 59}…' matches: pattern 'a+'"
    assert hit.spans == ((0, 100),)


def test_a_catastrophic_pattern_returns_promptly_with_the_right_answer() -> None:
    rule = build(RegexRule, pattern="(a+)+$")
    # A backtracking engine takes exponential time on this; RE2 reads it once.
    assert check(rule, "a" * 100_000 + "b") == []
    [hit] = check(rule, "b" + "a" * 100_000)
    assert hit.spans == ((1, 100_001),)


def test_regex_hits_are_capped_per_comment() -> None:
    assert len(check(build(RegexRule, pattern="x"), "x" * 1000)) == MAX_REGEX_HITS


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({}, "pattern is required"),
        ({"pattern": 3}, "pattern must be a string, not 3"),
        ({"pattern": ""}, "pattern is empty"),
        ({"pattern": "(a"}, "the pattern does not compile: missing ): (a"),
        ({"pattern": r"(a)\1"}, "backreferences are not supported"),
        ({"pattern": "(?P<x>a)(?P=x)"}, "backreferences are not supported"),
        ({"pattern": "foo(?=bar)"}, "look-ahead and look-behind are not supported"),
        ({"pattern": "(?<!x)foo"}, "look-ahead and look-behind are not supported"),
        ({"pattern": "(?>a)"}, "atomic groups and possessive repeats are not supported"),
        ({"pattern": r"end\Z"}, r"write \z for the end of the text"),
    ],
)
def test_regex_config_errors_name_the_pattern(table: dict[str, Any], message: str) -> None:
    with pytest.raises(RuleConfigError) as raised:
        build(RegexRule, **table)
    assert message in str(raised.value)
    assert raised.value.key == "pattern"


@given(st.text(), st.text(min_size=1, max_size=3))
def test_regex_spans_are_character_offsets_whatever_the_text(text: str, needle: str) -> None:
    escaped = "".join(f"\\x{{{ord(char):x}}}" for char in needle)
    rule = build(RegexRule, pattern=escaped, case_sensitive=True)
    for hit in check(rule, text):
        [(start, end)] = hit.spans
        assert text[start:end] == needle


# --- links ---------------------------------------------------------------------------------

LINK_CASES = [
    (
        "see https://example.com/a?b=1, or http://x.org.",
        ["https://example.com/a?b=1", "http://x.org"],
    ),
    (
        "www.bestdeals.example and www2.shop.example/x!",
        ["www.bestdeals.example", "www2.shop.example/x"],
    ),
    ("example.com, cbc.ca. BESTDEALS.COM", ["example.com", "cbc.ca", "BESTDEALS.COM"]),
    ("bestdeals.example/ferry (t.me/chan)", ["bestdeals.example/ferry", "t.me/chan"]),
    ("a.com,b.org", ["a.com", "b.org"]),
    # Not links: abbreviations, numbers, names, missing spaces, addresses, unknown endings.
    ("e.g. the U.S. and the U.K. grew 3.5% in 2.0 a.m. Mr.Smith", []),
    ("I went home.It was fine. It is so.it goes", []),
    ("write to jane@example.com about report.pdf and bestdeals.example", []),
]


@pytest.mark.parametrize(("body", "links"), LINK_CASES)
def test_links_are_found_with_their_spans(body: str, links: list[str]) -> None:
    assert [body[start:end] for start, end in links_in(body)] == links


@pytest.mark.parametrize(
    ("threshold", "body", "explanation"),
    [
        (2, "example.com www.x.org http://y.net/z", "3 links, limit 2"),
        (1, "only example.com here", "1 link, limit 1"),
        (3, "example.com and www.x.org", None),
        (1, "no link at all", None),
    ],
)
def test_links_rule_counts_against_the_threshold(
    threshold: int, body: str, explanation: str | None
) -> None:
    hits = check(build(LinksRule, threshold=threshold), body)
    if explanation is None:
        assert hits == []
        return
    [hit] = hits
    assert hit.explanation == explanation
    assert hit.spans == tuple(links_in(body))
    assert (hit.measured, hit.threshold) == (len(hit.spans), threshold)


# --- shouting ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "explanation", "stretches"),
    [
        (
            "THIS IS OUTRAGEOUS, the GOVERNMENT MUST RESIGN NOW!!!",
            "93% capitals (limit 70%) over 42 letters",
            ["THIS IS OUTRAGEOUS", "GOVERNMENT MUST RESIGN NOW"],
        ),
        ("ÉCOLE FERMÉE À CAUSE DE LA GRÈVE", "100% capitals (limit 70%) over 26 letters", None),
        ("The NATO summit in Brussels was postponed again", None, None),
        ("SHORT BUT LOUD", None, None),  # 12 letters: under min_length
        ("12345 67890 !!!! ????? ---- 12345 67890", None, None),  # no letters at all
    ],
)
def test_shouting(body: str, explanation: str | None, stretches: list[str] | None) -> None:
    hits = check(build(ShoutingRule, threshold=0.7, min_length=20), body)
    if explanation is None:
        assert hits == []
        return
    [hit] = hits
    assert hit.explanation == explanation
    assert hit.threshold == 0.7
    assert hit.measured is not None
    assert hit.measured >= 0.7
    if stretches is not None:
        assert spans_and_words(hits, body) == [stretches]


# --- repeats -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "explanation", "runs"),
    [
        ("wow!!!!!!!", "'!!!!!!!' repeats '!' 7 times in a row (limit 5)", ["!!!!!!!"]),
        ("sooooo good", "'ooooo' repeats 'o' 5 times in a row (limit 5)", ["ooooo"]),
        ("really?!?!?!", "'?!?!?!' repeats 6 marks in a row (limit 5)", ["?!?!?!"]),
        (
            "nooooo!!!!!! whyyyyyyy",
            "3 repeated runs, the longest 'yyyyyyy' (7 in a row, limit 5)",
            ["ooooo", "!!!!!!", "yyyyyyy"],
        ),
        ("¡¡¡¡¡ olé", "'¡¡¡¡¡' repeats '¡' 5 times in a row (limit 5)", ["¡¡¡¡¡"]),
        # Never runs: four is under the limit, numbers, spaces and layout characters.
        ("soooo good!!!!", None, []),
        ("1000000 dollars", None, []),
        ("wait...... and then\n\n\n\n\n\n---------- ====== ______ ~~~~~ *****", None, []),
    ],
)
def test_repeats(body: str, explanation: str | None, runs: list[str]) -> None:
    hits = check(build(RepeatsRule, max_run=5), body)
    if explanation is None:
        assert hits == []
        return
    [hit] = hits
    assert hit.explanation == explanation
    assert spans_and_words(hits, body) == [runs]
    assert hit.threshold == 5


def test_repeats_default_and_a_shorter_limit() -> None:
    assert build(RepeatsRule).max_run == 5
    [hit] = check(build(RepeatsRule, max_run=3), "hmmm")
    assert hit.spans == ((1, 4),)


# --- length --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "explanation", "spans"),
    [
        ("  ok  ", "2 characters, minimum 5", ((2, 4),)),
        ("x", "1 character, minimum 5", ((0, 1),)),
        ("   ", "0 characters, minimum 5", ()),
        (" " + "y" * 12 + "\n", "12 characters, maximum 10", ((11, 13),)),
        ("just right", None, ()),
    ],
)
def test_length(body: str, explanation: str | None, spans: tuple[tuple[int, int], ...]) -> None:
    hits = check(build(LengthRule, min=5, max=10), body)
    if explanation is None:
        assert hits == []
        return
    [hit] = hits
    assert (hit.explanation, hit.spans) == (explanation, spans)


def test_length_with_one_bound_and_thousands() -> None:
    [hit] = check(build(LengthRule, max=1000), "z" * 1200)
    assert hit.explanation == "1,200 characters, maximum 1,000"
    assert check(build(LengthRule, min=3), "z" * 1200) == []


# --- configuration -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "table", "key", "message"),
    [
        (LinksRule, {"threshold": 0}, "threshold", "a whole number from 1 to 1,000,000, not 0"),
        (LinksRule, {"threshold": 2.5}, "threshold", "from 1 to 1,000,000, not 2.5"),
        (LinksRule, {"threshold": True}, "threshold", "from 1 to 1,000,000, not true"),
        (LinksRule, {"threshold": 10**6 + 1}, "threshold", "1,000,000, not 1,000,001"),
        (ShoutingRule, {"threshold": 70}, "threshold", "not 70 (write 0.7 for 70%)"),
        (ShoutingRule, {"threshold": -0.1}, "threshold", "from 0 to 1, not -0.1"),
        (ShoutingRule, {"threshold": "high"}, "threshold", "from 0 to 1, not 'high'"),
        (ShoutingRule, {"threshold": float("nan")}, "threshold", "from 0 to 1, not nan"),
        (ShoutingRule, {"min_length": -3}, "min_length", "from 1 to 1,000,000, not -3"),
        (RepeatsRule, {"max_run": 1}, "max_run", "from 2 to 1,000,000, not 1"),
        # A run past re's repeat limit: the pattern would not compile, the bytes not fit.
        (RepeatsRule, {"max_run": 2**32}, "max_run", "1,000,000, not 4,294,967,296"),
        (LengthRule, {}, "min", "give min, max or both"),
        (LengthRule, {"min": 0}, "min", "from 1 to 1,000,000, not 0"),
        (LengthRule, {"max": "long"}, "max", "max must be a whole number from 1 to 1,000,000"),
        (LengthRule, {"max": 2**63}, "max", "to 1,000,000, not 9,223,372,036,854,775,808"),
        (LengthRule, {"min": 10, "max": 5}, "min", "min (10) is more than max (5)"),
        (RegexRule, {"pattern": "x", "case_sensitive": "yes"}, "case_sensitive", "true or false"),
        (LinksRule, {"severity": "urgent"}, "severity", "low, medium or high, not 'urgent'"),
        (LinksRule, {"action": "delete"}, "action", "flag or hide, not 'delete'"),
    ],
)
def test_config_errors_name_the_key(
    kind: type[Rule], table: dict[str, Any], key: str, message: str
) -> None:
    with pytest.raises(RuleConfigError) as raised:
        build(kind, **table)
    assert raised.value.key == key
    assert message in str(raised.value)


def test_common_fields_pass_through() -> None:
    rule = build(LinksRule, severity="high", action="hide", enabled=False, description="Spam")
    assert (rule.severity, rule.action, rule.enabled) == (Severity.HIGH, RuleAction.HIDE, False)
    [hit] = check(rule, "a.com b.com c.com")
    assert (hit.rule_id, hit.severity, hit.action) == ("t", Severity.HIGH, RuleAction.HIDE)


def test_every_text_kind_loads_from_a_rule_file(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(
        """
        [ruleset]
        name = "text"

        [[rule]]
        id = "spam"
        kind = "regex"
        pattern = '\\bbuy now\\b'
        case_sensitive = true

        [[rule]]
        id = "links"
        kind = "links"
        threshold = 2

        [[rule]]
        id = "shouting"
        kind = "shouting"
        threshold = 0.8
        min_length = 30

        [[rule]]
        id = "repeats"
        kind = "repeats"
        max_run = 4

        [[rule]]
        id = "length"
        kind = "length"
        min = 2
        max = 5000
        severity = "low"
        """,
        encoding="utf-8",
    )
    rules = {rule.id: rule for rule in load_rule_set(path).rules}
    assert isinstance(rules["spam"], RegexRule)
    assert rules["spam"].case_sensitive
    assert isinstance(rules["shouting"], ShoutingRule)
    assert (rules["shouting"].threshold, rules["shouting"].min_length) == (0.8, 30)
    assert isinstance(rules["length"], LengthRule)
    assert (rules["length"].min, rules["length"].max) == (2, 5000)
    assert rules["length"].severity is Severity.LOW


# --- gates ---------------------------------------------------------------------------------

# Pieces that make the text kinds hit, and near misses, for texts drawn from them.
GATE_PIECES = [
    "buy now",
    "BUY NOW",
    "Buy",
    "café",
    "CAFÉ",
    "x",
    "xx",
    "a",
    "b",
    "Ab",
    "aB",
    " ",
    "\n",
    "\t",
    ".",
    "..",
    "!",
    "?",
    "¡",
    "¿",
    "‽",
    "!!!",
    "?!?!",
    "-----",
    "~~~~",
    "www.",
    "http://",
    "https://",
    "example",
    ".com",
    ".ca",
    ".it",
    "/path",
    "t.me/x",
    "http://10.0.0.1",
    "U.S.",
    "3.5",
    "e.g.",
    "Mr.Smith",
    "BESTDEALS.COM",
    "a.com,b.org",
    "@",
    "user@mail.com",
    "sooooo",
    "AAAA",
    "ééééé",
    "😀😀😀",
    "😀",
    "ǅ",
    "İ",
    "ß",
    "\uff11\uff12\uff13",
    "٣",
    "x\u200by",
    "0000000",
    "_____",
    "====",
    "*****",
    "zzzzz",
    "\x1c\x1c\x1c\x1c\x1c",
]
GATED_RULES: list[Rule] = [
    RegexRule(id="buy", pattern=r"\bbuy now\b"),
    RegexRule(id="buy-case", pattern=r"\bbuy now\b", case_sensitive=True),
    RegexRule(id="cafe", pattern="café"),
    RegexRule(id="empty", pattern="a*"),
    RegexRule(id="flags", pattern="(?-i:Ab)|(?i:ß)", case_sensitive=False),
    RegexRule(id="anchors", pattern="^x|x$"),
    RegexRule(id="alternation", pattern="xx|😀😀"),
    LinksRule(id="links-1", threshold=1),
    LinksRule(id="links-2", threshold=2),
    RepeatsRule(id="repeats-2", max_run=2),
    RepeatsRule(id="repeats-3", max_run=3),
    RepeatsRule(id="repeats-5", max_run=5),
]


def test_gates_cover_the_text_kinds_that_have_them() -> None:
    rules = [*GATED_RULES, ShoutingRule(id="s"), LengthRule(id="l", min=2)]
    gates = TextGates(rules)
    assert gates.positions == tuple(range(len(GATED_RULES)))
    assert gates.open("") == [GATED_RULES.index(rule) for rule in GATED_RULES if rule.id == "empty"]
    opened = {rules[position].id for position in gates.open("Buy now at example.com!!!") or []}
    assert opened == {"buy", "empty", "links-1", "links-2", "repeats-2", "repeats-3"}


def assert_shut_gates_hit_nothing(text: str) -> None:
    opened = TextGates(GATED_RULES).open(text)
    assert opened is not None
    for position, rule in enumerate(GATED_RULES):
        if position not in opened:
            assert check(rule, text) == [], (rule.id, text)


def test_a_shut_gate_means_no_hits_on_any_two_pieces() -> None:
    for first in GATE_PIECES:
        for second in GATE_PIECES:
            assert_shut_gates_hit_nothing(first + second)


@given(st.lists(st.sampled_from(GATE_PIECES), max_size=12).map("".join))
def test_a_shut_gate_means_no_hits(text: str) -> None:
    assert_shut_gates_hit_nothing(text)


def test_what_a_gate_cannot_say_is_left_to_the_rule() -> None:
    class OwnRegex(RegexRule):
        """A subclass may check differently: it gets no gate."""

    # RE2 repeats at most 1,000 times: that run is left to the rule itself.
    rules = [OwnRegex(id="own", pattern="x"), RepeatsRule(id="long", max_run=2_000)]
    assert TextGates(rules).positions == ()
    assert TextGates(rules).open("x") == []
    # Text that cannot be encoded (a lone surrogate) cannot be scanned.
    assert TextGates(GATED_RULES).open("\ud800 x") is None
