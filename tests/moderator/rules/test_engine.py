"""The engine: rule order, runs in posting order with fresh state, bugs surface, idle rules skip."""

from __future__ import annotations

import importlib
import tomllib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Self

import pytest
import re2
from hypothesis import given
from hypothesis import strategies as st

from moderator.domain import Severity
from moderator.rules.engine import RuleEngine
from moderator.rules.loader import load_rule_set, read_rule_set
from moderator.rules.model import (
    CommentSnapshot,
    Hit,
    NoHistory,
    Rule,
    RuleAction,
    RuleContext,
    RuleSet,
    rule_kind,
)
from moderator.rules.text_rules import (
    LengthRule,
    LinksRule,
    RegexRule,
    RepeatsRule,
    ShoutingRule,
)
from moderator.settings import DEFAULT_RULE_SET

START = datetime(2025, 1, 14, 8, 0, tzinfo=UTC)


@rule_kind("t-engine-word")
@dataclass(frozen=True, kw_only=True)
class WordRule(Rule):
    """Hits on every occurrence of ``word``."""

    word: str = "spam"

    @classmethod
    def from_table(cls, table: Mapping[str, Any], *, base_dir: Path) -> Self:
        raise NotImplementedError  # built directly in these tests

    def check(self, comment: CommentSnapshot, context: RuleContext) -> list[Hit]:
        hits = []
        start = comment.body.find(self.word)
        while start >= 0:
            end = start + len(self.word)
            hits.append(self.hit(f"{self.word!r}", spans=((start, end),), matched=self.word))
            start = comment.body.find(self.word, end)
        return hits


@rule_kind("t-engine-repeat")
@dataclass(frozen=True, kw_only=True)
class RepeatAuthorRule(Rule):
    """Behavioural: hits from an author's ``count``-th comment of the run on."""

    behavioural = True
    count: int = 2
    seen: Counter[str] = field(default_factory=Counter, init=False, compare=False)

    @classmethod
    def from_table(cls, table: Mapping[str, Any], *, base_dir: Path) -> Self:
        raise NotImplementedError

    def reset(self) -> None:
        self.seen.clear()

    def check(self, comment: CommentSnapshot, context: RuleContext) -> list[Hit]:
        self.seen[comment.author] += 1
        earlier = context.history.comment_count(comment.author)
        total = self.seen[comment.author] + earlier
        if total < self.count:
            return []
        return [self.hit(f"comment {total} by {comment.author}", measured=total)]


@rule_kind("t-engine-broken")
@dataclass(frozen=True, kw_only=True)
class BrokenRule(Rule):
    @classmethod
    def from_table(cls, table: Mapping[str, Any], *, base_dir: Path) -> Self:
        raise NotImplementedError

    def check(self, comment: CommentSnapshot, context: RuleContext) -> list[Hit]:
        raise ZeroDivisionError("a bug in the rule")


@rule_kind("t-engine-optional")
@dataclass(frozen=True, kw_only=True)
class OptionalRule(Rule):
    @classmethod
    def from_table(cls, table: Mapping[str, Any], *, base_dir: Path) -> Self:
        raise NotImplementedError

    def unavailable(self) -> str | None:
        return "the extra is not installed"

    def check(self, comment: CommentSnapshot, context: RuleContext) -> list[Hit]:
        raise AssertionError("an unavailable rule is never checked")


class KnownAuthors(NoHistory):
    def __init__(self, counts: Mapping[str, int]) -> None:
        self.counts = counts

    def comment_count(self, author: str) -> int:
        return self.counts.get(author, 0)


def rule_set(*rules: Rule) -> RuleSet:
    return RuleSet("test", rules, "0123456789abcdef")


def comment(body: str, author: str = "ann", minutes: int = 0, number: int = 1) -> CommentSnapshot:
    return CommentSnapshot(
        body=body, author=author, posted_at=START + timedelta(minutes=minutes), id=number
    )


def test_hits_come_rule_by_rule_in_the_sets_order() -> None:
    engine = RuleEngine(
        rule_set(
            WordRule(id="ham", word="ham", severity=Severity.LOW),
            WordRule(id="off", word="spam", enabled=False),
            WordRule(id="spam", word="spam", severity=Severity.HIGH),
        )
    )
    hits = engine.check(comment("spam ham spam"))
    assert [(hit.rule_id, hit.spans, hit.severity) for hit in hits] == [
        ("ham", ((5, 8),), Severity.LOW),
        ("spam", ((0, 4),), Severity.HIGH),
        ("spam", ((9, 13),), Severity.HIGH),
    ]
    assert [rule.id for rule in engine.rules] == ["ham", "spam"]


def test_a_run_resets_behavioural_state_and_keeps_posting_order() -> None:
    engine = RuleEngine(rule_set(RepeatAuthorRule(id="again", count=2)))
    comments = [
        comment("one", "ann", 0, 1),
        comment("two", "bob", 1, 2),
        comment("three", "ann", 1, 3),  # the same minute as the one before: still in order
        comment("four", "ann", 9, 4),
    ]
    first = [(c.id, [h.explanation for h in hits]) for c, hits in engine.check_all(comments)]
    assert first == [
        (1, []),
        (2, []),
        (3, ["comment 2 by ann"]),
        (4, ["comment 3 by ann"]),
    ]
    # A second run starts from nothing: nothing learnt in the first one carries over.
    assert [(c.id, [h.explanation for h in hits]) for c, hits in engine.check_all(comments)] == (
        first
    )


def test_comments_out_of_posting_order_are_refused() -> None:
    engine = RuleEngine(rule_set(RepeatAuthorRule(id="again")))
    run = engine.check_all([comment("late", minutes=5, number=7), comment("early", number=8)])
    next(run)
    with pytest.raises(ValueError, match="comments must come in posting order: comment 8"):
        next(run)


def test_history_reaches_the_rules() -> None:
    engine = RuleEngine(
        rule_set(RepeatAuthorRule(id="again", count=3)), history=KnownAuthors({"ann": 5})
    )
    assert [hit.measured for hit in engine.check(comment("hello"))] == [6]


def test_a_rule_that_raises_is_a_bug_that_names_itself() -> None:
    engine = RuleEngine(rule_set(WordRule(id="fine"), BrokenRule(id="broken")))
    with pytest.raises(ZeroDivisionError, match="a bug in the rule") as caught:
        engine.check(comment("spam", number=42))
    assert caught.value.__notes__ == ["in rule 'broken' (kind 't-engine-broken') on comment 42"]
    # A run names it too.
    with pytest.raises(ZeroDivisionError) as caught:
        list(engine.check_all([comment("spam", number=41), comment("ham", number=42)]))
    assert caught.value.__notes__ == ["in rule 'broken' (kind 't-engine-broken') on comment 41"]


def test_unavailable_rules_are_skipped_and_listed() -> None:
    engine = RuleEngine(
        rule_set(OptionalRule(id="ml"), OptionalRule(id="ml-off", enabled=False), WordRule(id="w"))
    )
    assert engine.unavailable == {"ml": "the extra is not installed"}
    assert [hit.rule_id for hit in engine.check(comment("spam"))] == ["w"]


def test_text_on_its_own_leaves_behavioural_rules_out() -> None:
    engine = RuleEngine(
        rule_set(RepeatAuthorRule(id="again", count=1), WordRule(id="w")),
        include_behavioural=False,
    )
    assert engine.skipped_behavioural == ("again",)
    assert [hit.rule_id for hit in engine.check(comment("spam"))] == ["w"]


# --- gated text rules: one scan rules them out, and the hits are the same -------------------

GATED_SET = rule_set(
    WordRule(id="word", word="buy"),
    RegexRule(id="buy", pattern=r"\bbuy now\b"),
    LinksRule(id="links", threshold=2),
    ShoutingRule(id="shouting", min_length=5),
    RegexRule(id="cafe", pattern="café", case_sensitive=True),
    RepeatsRule(id="repeats", max_run=3),
    LengthRule(id="length", min=3),
    RegexRule(id="empty", pattern="x*"),
    RepeatAuthorRule(id="again", count=2),
)
PIECES = [
    "buy now",
    "BUY NOW",
    "café",
    "CAFÉ",
    " ",
    "\n",
    ".",
    "!!!",
    "?!?",
    "www.",
    "http://",
    "example",
    ".com",
    "/path",
    "U.S.",
    "sooo",
    "ééé",
    "😀😀😀",
    "xx",
    "x",
    "İ",
    "ß",
]


def direct(rules: Sequence[Rule], comments: Sequence[CommentSnapshot]) -> list[list[Hit]]:
    """Each comment's hits from every rule's own check, in order: what the engine must give."""
    context = RuleContext()
    for rule in rules:
        rule.reset()
    return [[hit for rule in rules for hit in rule.check(c, context)] for c in comments]


@given(st.lists(st.lists(st.sampled_from(PIECES), max_size=10).map("".join), max_size=5))
def test_gates_change_no_hit(bodies: list[str]) -> None:
    comments = [comment(body, minutes=n, number=n) for n, body in enumerate(bodies)]
    engine = RuleEngine(GATED_SET)
    assert [hits for _, hits in engine.check_all(comments)] == direct(engine.rules, comments)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["spam ham", "ham", "spam", "nothing", "ham spam ham", ""]),
            st.sampled_from(["ann", "bob"]),
        ),
        max_size=12,
    )
)
def test_a_body_seen_before_gets_the_hits_a_fresh_check_gives(
    written: list[tuple[str, str]],
) -> None:
    # Text rules around a behavioural one: replayed hits keep the rule set's order.
    rules = rule_set(
        WordRule(id="spam", word="spam"),
        RepeatAuthorRule(id="again", count=2),
        WordRule(id="ham", word="ham"),
    )
    comments = [
        comment(body, author, minutes=n, number=n) for n, (body, author) in enumerate(written)
    ]
    engine = RuleEngine(rules)
    assert [hits for _, hits in engine.check_all(comments)] == direct(engine.rules, comments)


def test_replayed_hits_are_a_new_list_each_time() -> None:
    engine = RuleEngine(rule_set(WordRule(id="spam", word="spam")))
    first = engine.check(comment("spam"))
    first.clear()  # a caller may do what it likes with its list
    assert [hit.rule_id for hit in engine.check(comment("spam"))] == ["spam"]


def test_text_that_cannot_be_scanned_meets_every_rule() -> None:
    engine = RuleEngine(rule_set(LinksRule(id="links", threshold=1), LengthRule(id="l", max=3)))
    assert [hit.rule_id for hit in engine.check(comment("\ud800 a.com"))] == ["links", "l"]
    # The regex kind reads UTF-8: a lone surrogate is still its error, and named as before.
    engine = RuleEngine(rule_set(RegexRule(id="re", pattern="a")))
    with pytest.raises(UnicodeEncodeError) as caught:
        engine.check(comment("\ud800 a", number=3))
    assert caught.value.__notes__ == ["in rule 're' (kind 'regex') on comment 3"]


# --- the default rule set: needs every built-in kind, written concurrently with this module ---


def builtin_kinds() -> None:
    try:
        importlib.import_module("moderator.rules.kinds")
    except ModuleNotFoundError as missing:
        pytest.skip(f"a built-in kind module is not written yet ({missing.name})")


def test_the_default_rule_set_loads() -> None:
    builtin_kinds()
    loaded = read_rule_set(DEFAULT_RULE_SET)
    assert loaded.warnings == ()
    assert loaded.rule_set.name == "Default"
    # The second-person attacks and both word lists are what catch news-comment toxicity.
    ids = {rule.id for rule in loaded.rule_set.rules}
    assert {"severe", "insults", "attack-phrases", "you-are-insult"} <= ids


def default_tables() -> list[dict[str, Any]]:
    with DEFAULT_RULE_SET.open("rb") as file:
        rules: list[dict[str, Any]] = tomllib.load(file)["rule"]
    return rules


def test_the_default_word_lists_are_ours_and_tidy() -> None:
    for table in default_tables():
        if "terms_file" not in table:
            continue
        terms = (DEFAULT_RULE_SET.parent / table["terms_file"]).read_text("utf-8").splitlines()
        assert terms, table["id"]
        assert len(terms) == len(set(terms)), f"{table['terms_file']} repeats a term"
        assert all(term == term.strip().lower() and term for term in terms)


@pytest.mark.parametrize(
    ("text", "caught"),
    [
        ("You are an idiot", "You are an idiot"),
        ("you're such a complete moron, honestly", "you're such a complete moron"),
        ("YOU ARE SO STUPID", "YOU ARE SO STUPID"),
        ("you\u2019re just a troll", "you\u2019re just a troll"),
        ("ur a clown", "ur a clown"),
        ("You are right about the ferry fares", None),
        ("If you are an idiotic driver you pay more", None),
        ("you are a loser's best friend", "you are a loser"),
    ],
)
def test_the_default_second_person_pattern(text: str, caught: str | None) -> None:
    (pattern,) = [t["pattern"] for t in default_tables() if t["id"] == "you-are-insult"]
    found = re2.search(pattern, text)
    assert (found and found.group(0)) == caught


def test_the_default_rule_set_flags_attacks_and_spares_innocent_words() -> None:
    builtin_kinds()
    engine = RuleEngine(load_rule_set(DEFAULT_RULE_SET), include_behavioural=False)
    words = {"severe", "profanity", "insults", "attack-phrases", "you-are-insult"}

    def flagged(text: str) -> set[str]:
        return {hit.rule_id for hit in engine.check(CommentSnapshot(text))} & words

    innocent = (
        "Scunthorpe assessment cocktail Dickens therapist grape analysis Essex class Sussex "
        "shiitake retardant spick and span; thank you people for coming"
    )
    assert flagged(innocent) == set()
    assert flagged("You are an idiot") == {"insults", "you-are-insult"}
    assert flagged("Go back where you came from") == {"attack-phrases"}
    assert flagged("what a load of $h1t") == {"profanity"}


def default_engine() -> RuleEngine:
    builtin_kinds()
    return RuleEngine(load_rule_set(DEFAULT_RULE_SET), include_behavioural=False)


@pytest.mark.parametrize(
    ("text", "reads"),
    [
        # The misses: digits for b, t and g.
        ("8i7ch", "bitch"),
        ("ni993r", "nigger"),
        ("f@g9o7", "faggot"),
        ("we784ck", "wetback"),
        # "1" for "i" in one place and "l" in another.
        ("bu115h17", "bullshit"),
        ("n19137", "niglet"),
        ("d11d0", "dildo"),
    ],
)
def test_the_default_set_sees_through_digit_leetspeak(text: str, reads: str) -> None:
    hits = default_engine().check(CommentSnapshot(f"what a {text} that was"))
    assert [hit.normalized for hit in hits if hit.term] == [reads]


@pytest.mark.parametrize(
    "text",
    [
        # The innocent words: '45s' read as 'ass', 'van Dyke' as 'dyke'.
        "He collects old 45s and 78s",
        "Dick Van Dyke sang; van Dyke brown is a colour",
        "the 1990s, the 7th inning, 9pm, a 401k, 747s and a 55-inch screen",
        "pussy willow, a blue tit, magna cum laude, tit for tat",
    ],
)
def test_the_default_set_leaves_numbers_names_and_birds_alone(text: str) -> None:
    assert default_engine().check(CommentSnapshot(text)) == []


@pytest.mark.parametrize(
    "text",
    [
        'He called him a "faggot" in front of everyone.',
        "The word nigger should never be printed.",
        "She was fined for using the slur 'spic' at a game.",
        "Calling someone a \u201ccunt\u201d is vile.",
        "They called me a cunt on the bus.",
    ],
)
def test_a_hidden_word_quoted_or_talked_about_is_flagged_for_a_person(text: str) -> None:
    """Sentences that quote or discuss a slur were hidden (auto-hide precision 0.47 on forum
    hate): they wait for a person, flagged, saying why."""
    hits = [hit for hit in default_engine().check(CommentSnapshot(text)) if hit.rule_id == "severe"]
    assert hits
    assert all(hit.action is RuleAction.FLAG for hit in hits)
    assert all(
        hit.explanation.endswith("quoted or talked about, so a person decides") for hit in hits
    )


def test_a_slur_said_at_someone_is_still_hidden() -> None:
    (hit,) = default_engine().check(CommentSnapshot("shut your mouth, faggot"))[:1]
    assert (hit.rule_id, hit.action) == ("severe", RuleAction.HIDE)


def test_words_that_hid_innocent_texts_are_flagged_not_hidden() -> None:
    """'retarded' was auto-hidden (precision 0.91 on the tuning sets): now a person decides."""
    for text in ("that is retarded", "what a gook", "kike"):
        hits = default_engine().check(CommentSnapshot(text))
        assert [hit.rule_id for hit in hits if hit.term] == ["slurs"], text
        assert all(hit.action is RuleAction.FLAG for hit in hits)


@pytest.mark.parametrize(
    ("text", "action"),
    [
        # Said at someone: hidden, whatever the verb around it.
        ("I call you a faggot", RuleAction.HIDE),
        ("you're what I'd call a faggot", RuleAction.HIDE),
        # Reported or named: a person decides.
        ("they called him faggot", RuleAction.FLAG),
        ("the slur is faggot", RuleAction.FLAG),
    ],
)
def test_only_reporting_verbs_make_a_word_talked_about(text: str, action: RuleAction) -> None:
    hits = [hit for hit in default_engine().check(CommentSnapshot(text)) if hit.rule_id == "severe"]
    assert [hit.action for hit in hits] == [action]


@pytest.mark.parametrize("text", ["take the F49 bus", "I live in London N19", "H49 D490 S149 C117"])
def test_a_letter_and_a_number_is_a_code_not_leetspeak(text: str) -> None:
    """With 8 and 9 read as b and g, the F49 bus read as 'fag' (hidden) and N19 as 'nig'."""
    assert default_engine().check(CommentSnapshot(text)) == []


def test_the_birds_allowed_are_only_the_birds() -> None:
    hits = default_engine().check(CommentSnapshot("she has great tits"))
    assert [hit.rule_id for hit in hits] == ["profanity"]
