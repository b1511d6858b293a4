"""Behavioural kinds: author lists, first comments, history, campaigns and bursts across a run."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from moderator.rules import behaviour, similarity
from moderator.rules.behaviour import (
    AuthorHistoryRule,
    AuthorListRule,
    BurstRule,
    CampaignRule,
    FirstCommentRule,
)
from moderator.rules.loader import load_rule_set
from moderator.rules.model import CommentSnapshot, Hit, Rule, RuleConfigError, RuleContext
from moderator.rules.similarity import NearDuplicates, normalised_length, normalised_words

START = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
SAMPLE = (
    Path(__file__).resolve().parents[4]
    / "shared/data/corpus/globeandmail/comments_csv/comments_csv_sample.csv"
)


@dataclass
class FakeHistory:
    """What is stored about authors before the run: counts, decisions and posting times."""

    counts: dict[str, int] = field(default_factory=dict)
    hidden_approved: dict[str, tuple[int, int]] = field(default_factory=dict)
    times: dict[str, list[datetime]] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)

    def comment_count(self, author: str) -> int:
        self.asked.append(author)
        return self.counts.get(author, 0)

    def decisions(self, author: str) -> tuple[int, int]:
        return self.hidden_approved.get(author, (0, 0))

    def recent_times(self, author: str) -> Sequence[datetime]:
        self.asked.append(author)
        return self.times.get(author, [])


def build(kind: type[Rule], **table: Any) -> Any:
    return kind.from_table({"id": "t", "kind": kind.kind, **table}, base_dir=Path())


def run(
    rule: Rule, comments: Sequence[CommentSnapshot], history: FakeHistory | None = None
) -> list[list[Hit]]:
    context = RuleContext(history=history or FakeHistory())
    return [rule.check(comment, context) for comment in comments]


def said(results: list[list[Hit]]) -> list[str | None]:
    """Each comment's explanation, None where the rule did not hit."""
    return [hits[0].explanation if hits else None for hits in results]


def comment(body: str = "text", author: str = "ann", minute: float = 0, id: int = 0) -> Any:
    return CommentSnapshot(body, author=author, posted_at=START + timedelta(minutes=minute), id=id)


# --- author lists --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("author", "explanation"),
    [
        ("SpamKing", "author 'SpamKing' is on the block list"),
        ("  spamking ", "author 'spamking' is on the block list"),
        ("Troll_99", "author 'Troll_99' is on the block list"),
        ("spamking2", None),
        ("", None),
    ],
)
def test_author_list(author: str, explanation: str | None) -> None:
    rule = build(AuthorListRule, names=["spamking", "TROLL_99"], list="block")
    assert said(run(rule, [comment(author=author)])) == [explanation]


def test_author_list_defaults_to_the_watch_list() -> None:
    rule = build(AuthorListRule, names=["ann"])
    [[hit]] = run(rule, [comment(author="Ann")])
    assert hit.explanation == "author 'Ann' is on the watch list"
    assert hit.matched == "Ann"


# --- first comment -------------------------------------------------------------------------


def test_first_comment_counts_history_and_the_run() -> None:
    history = FakeHistory(counts={"old": 4})
    rule = build(FirstCommentRule)
    comments = [
        comment(author="new", id=1),
        comment(author="old", id=2),
        comment(author="NEW", id=3),  # the same author, differently cased
        comment(author="other", id=4),
        comment(author="", id=5),
    ]
    assert said(run(rule, comments, history)) == [
        "first comment by 'new'",
        None,
        None,
        "first comment by 'other'",
        None,
    ]
    # Checking the first one again gives the same answer; a reset starts a new run.
    assert said(run(rule, [comment(author="new", id=1)], history)) == ["first comment by 'new'"]
    assert said(run(rule, [comment(author="new", id=3)], history)) == [None]
    rule.reset()
    assert said(run(rule, [comment(author="new", id=3)], history)) == ["first comment by 'new'"]


# --- author history ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("decisions", "explanation"),
    [
        ((4, 1), "4 of 5 decided comments hidden (80%, limit 60%)"),
        ((3, 2), "3 of 5 decided comments hidden (60%, limit 60%)"),
        ((2, 3), None),
        ((3, 0), None),  # three decided: under min_decided
        ((0, 0), None),
    ],
)
def test_author_history(decisions: tuple[int, int], explanation: str | None) -> None:
    rule = build(AuthorHistoryRule, threshold=0.6, min_decided=4)
    history = FakeHistory(hidden_approved={"ann": decisions})
    results = run(rule, [comment(author="ann")], history)
    assert said(results) == [explanation]
    if explanation:
        [[hit]] = results
        assert (hit.measured, hit.threshold) == (decisions[0] / sum(decisions), 0.6)


# --- bursts --------------------------------------------------------------------------------


def test_burst_counts_the_run_within_the_window() -> None:
    rule = build(BurstRule, count=3, minutes=10)
    minutes = [0, 2, 4, 6, 7, 12, 30, 31]
    results = run(rule, [comment(author="ann", minute=m) for m in minutes])
    assert said(results) == [
        None,
        None,
        None,
        "4 comments in 10 minutes (limit 3)",
        "5 comments in 10 minutes (limit 3)",
        "4 comments in 10 minutes (limit 3)",  # (2, 12]: minutes 0 and 2 are out
        None,
        None,
    ]
    assert (results[3][0].measured, results[3][0].threshold) == (4, 3)


def test_burst_adds_stored_times_and_keeps_authors_apart() -> None:
    # Stored times may come naive (SQLite keeps UTC without a zone).
    stored = [(START - timedelta(minutes=m)).replace(tzinfo=None) for m in (9, 5, 1)]
    history = FakeHistory(times={"ann": stored})
    rule = build(BurstRule, count=3, minutes=10)
    comments = [
        comment(author="ann"),
        comment(author="bob", minute=1),
        comment(author="Ann", minute=1),
    ]
    assert said(run(rule, comments, history)) == [
        "4 comments in 10 minutes (limit 3)",
        None,
        "4 comments in 10 minutes (limit 3)",  # 9 minutes back fell out at minute 1
    ]
    assert history.asked.count("Ann") == 0  # history is read once per author and run


def test_burst_counts_a_comment_checked_out_of_posting_order() -> None:
    rule = build(BurstRule, count=2, minutes=5)
    minutes = [10, 12, 9, 11]
    assert said(run(rule, [comment(author="ann", minute=m) for m in minutes])) == [
        None,
        None,
        None,  # (4, 9]: only itself, although 10 and 12 came first
        "3 comments in 5 minutes (limit 2)",  # (6, 11]: 9, 10 and itself; 12 is later
    ]


def test_burst_reset_forgets_the_run_and_skips_undated_comments() -> None:
    rule = build(BurstRule, count=1, minutes=0.5)
    assert said(run(rule, [comment(minute=0), comment(minute=0.25)])) == [
        None,
        "2 comments in 0.5 minutes (limit 1)",
    ]
    rule.reset()
    assert said(run(rule, [comment(minute=0.3)])) == [None]
    assert said(run(rule, [CommentSnapshot("x", author="ann")])) == [None]


# --- campaigns -----------------------------------------------------------------------------

PITCH = (
    "Stop the pipeline now! Write to your member of parliament today and demand "
    "a full environmental review before another kilometre is built."
)
EDITS = [
    PITCH,
    PITCH.upper().replace("!", "!!!"),  # identical once normalised
    PITCH.replace("today", "this week").replace("full", "complete"),
    "Friends, " + PITCH.replace("kilometre", "kilometer"),
    PITCH.replace("another kilometre is built", "another metre"),
]


def test_campaign_from_several_authors_with_small_edits() -> None:
    rule = build(CampaignRule, min_authors=3)
    authors = ["ann", "bob", "cy", "dee", "eve"]
    results = run(
        rule,
        [comment(t, a, id=i + 10) for i, (t, a) in enumerate(zip(EDITS, authors, strict=True))],
    )
    assert said(results) == [
        None,
        None,
        "near-identical text from 3 authors, first in comment 10",
        "near-identical text from 4 authors, first in comment 10",
        "near-identical text from 5 authors, first in comment 10",
    ]
    hit = results[2][0]
    assert hit.spans == ((0, len(EDITS[2])),)
    assert (hit.measured, hit.threshold) == (3, 3)


def test_campaign_repeated_by_one_author_and_reset() -> None:
    rule = build(CampaignRule, min_repeats=3)
    comments = [comment(f"  {PITCH}\n", "ann", id=i) for i in range(1, 4)]
    assert said(run(rule, comments)) == [
        None,
        None,
        "identical text posted 3 times by 'ann', first in comment 1",
    ]
    assert run(rule, comments[:1])[0][0].spans == ((2, 2 + len(PITCH)),)
    rule.reset()
    assert said(run(rule, comments)) == [
        None,
        None,
        "identical text posted 3 times by 'ann', first in comment 1",
    ]


def test_campaign_leaves_short_and_different_texts_alone() -> None:
    rule = build(CampaignRule, min_authors=2, min_repeats=2)
    short = [comment("Well said!", author) for author in ("a", "b", "c")]
    assert said(run(rule, short)) == [None, None, None]
    different = [
        comment("The pipeline review should look at the risks to the rivers and the coast.", "a"),
        comment("The pipeline review will take years, and the coast will wait for jobs.", "b"),
    ]
    assert said(run(rule, different)) == [None, None]


def test_the_near_duplicate_index_forgets_its_oldest_texts_past_its_capacity() -> None:
    # It remembered every distinct text of a run: about 0.8 KB each, 800 MB on a
    # 1,000,000-comment import.
    index = NearDuplicates(similarity=0.6, capacity=3)
    texts = [normalised_words(f"{PITCH} number {word}") for word in ("alpha", "bravo")]
    others = [
        normalised_words(f"{n} " + " ".join(f"word{n}x{k}" for k in range(12))) for n in range(4)
    ]
    first, _ = index.place(texts[0])
    assert index.place(texts[1]) == (first, False)  # near-identical, within the window
    for words in others[:2]:
        index.place(words)
    # Three texts since the first: it is forgotten, the second still remembered.
    assert index.place(texts[0])[0] != first
    assert len(index._members) == 3
    assert len(index._by_text) == 3
    assert len(index._by_band) <= 3 * similarity.BANDS


def test_a_campaign_run_remembers_a_bounded_number_of_texts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(behaviour, "REMEMBERED_TEXTS", 4)
    rule = build(CampaignRule, min_authors=3)
    # Copies close together are still found; many distinct texts do not grow what it keeps.
    filler = [
        comment(
            f"Unrelated remark number {n}: " + " ".join(f"topic{n}w{k}" for k in range(10)), "zed"
        )
        for n in range(40)
    ]
    copies = [comment(PITCH, author, id=100 + n) for n, author in enumerate(("ann", "bob", "cy"))]
    results = run(rule, [*filler, *copies])
    assert said(results)[-1] == "identical text from 3 authors, first in comment 100"
    assert len(rule._groups) <= 4
    assert len(rule._seen) <= 4
    assert len(rule._index._members) <= 4


def test_a_campaign_still_going_is_remembered_however_long_ago_it_began(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Forgotten by when it began, a copy posted every fourth comment was never flagged once
    # the run had seen five texts since the first.
    monkeypatch.setattr(behaviour, "REMEMBERED_TEXTS", 5)
    rule = build(CampaignRule, min_authors=3)
    comments = []
    for n in range(24):
        if n % 4 == 0:
            comments.append(comment(PITCH, f"author{n}", id=n))
        else:
            words = " ".join(f"topic{n}w{k}" for k in range(10))
            comments.append(comment(f"Unrelated remark {n}: {words}", "zed", id=n))
    hit = [bool(hits) for hits in run(rule, comments)][::4]
    assert hit == [False, False, True, True, True, True]


def test_campaign_without_comment_ids() -> None:
    rule = build(CampaignRule, min_authors=2)
    results = run(rule, [CommentSnapshot(PITCH, author=a) for a in ("ann", "bob")])
    assert said(results) == [None, "identical text from 2 authors"]


def _sample_rows() -> list[dict[str, str]]:
    if not SAMPLE.exists():
        pytest.skip(f"the shared Globe and Mail sample is absent ({SAMPLE})")
    with SAMPLE.open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


@pytest.mark.shared
def test_campaign_on_real_comments_finds_edited_copies_only() -> None:
    rows = _sample_rows()
    # Real comments on the same ten articles: similar topics, replies quoting their parent.
    # The most sensitive settings still group none of them.
    rule = build(CampaignRule, min_authors=2, min_repeats=2)
    comments = [comment(row["text"], row["author"], id=i) for i, row in enumerate(rows)]
    assert [c.id for c, hits in zip(comments, run(rule, comments), strict=True) if hits] == []
    # The same comments copied by other people with a few words changed are caught.
    long = [c for c in comments if len(c.body.split()) >= 30][:20]
    copies = []
    for c in long:
        words = c.body.split()
        words[3] = "really"  # a word changed
        words.insert(len(words) // 2, "honestly")  # a word added
        del words[-2]  # a word dropped
        copies.append(comment(" ".join(words).upper(), "copycat", id=c.id))
    found = run(rule, copies)
    assert said(found) == [
        f"near-identical text from 2 authors, first in comment {c.id}" for c in long
    ]


def test_near_duplicates_index_groups_and_clears() -> None:
    index = NearDuplicates(similarity=0.6)
    first = normalised_words(PITCH)
    assert normalised_words("Don\u2019t STOP\u2014now!") == [b"dont", b"stop", b"now"]
    assert normalised_length(first) == len(b" ".join(first))
    assert index.place(first) == (0, False)
    assert index.place(normalised_words(PITCH.lower())) == (0, True)
    assert index.place(normalised_words(EDITS[2])) == (0, False)
    assert index.place(normalised_words("Something else entirely, about hockey scores.")) == (
        1,
        False,
    )
    index.clear()
    assert index.place(normalised_words(EDITS[2])) == (0, False)


@pytest.mark.parametrize(
    "text",
    [
        PITCH,
        EDITS[1],
        "Don't STOP -- now!!! It's 100% RIGHT_now, isn't it?",
        'tabs\tand\nnewlines\r\x0b\x0c\x1c\x1fcontrol\x00chars ~`@#$^&*()[]{}<>|\\/=+"',
        "",
        "   ",
    ],
)
def test_ascii_text_normalises_as_the_general_path_does(text: str) -> None:
    # The ASCII shortcut reads text as case-folding it, then translating, would.
    assert text.isascii()
    folded = text.casefold().encode().translate(similarity._TABLE, b"'").split()
    assert normalised_words(text) == folded
    # An em dash reads as a space, but sends the text down the non-ASCII path (which reads an
    # ASCII apostrophe as a space, not as nothing: left out here).
    plain = text.replace("'", "")
    assert normalised_words(plain) == normalised_words(plain + "\u2014")


# --- configuration -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "table", "key", "message"),
    [
        (AuthorListRule, {}, "names", "names is required"),
        (AuthorListRule, {"names": []}, "names", "must name at least one author"),
        (AuthorListRule, {"names": "ann"}, "names", "must be a list, not 'ann'"),
        (AuthorListRule, {"names": ["ann", " "]}, "names", "non-empty strings, not ' '"),
        (AuthorListRule, {"names": ["a"], "list": "ban"}, "list", "'watch' or 'block', not 'ban'"),
        (AuthorHistoryRule, {"threshold": 1.5}, "threshold", "from 0 to 1, not 1.5"),
        (AuthorHistoryRule, {"min_decided": 0}, "min_decided", "from 1 to 1,000,000, not 0"),
        (AuthorHistoryRule, {"threshold": float("nan")}, "threshold", "from 0 to 1, not nan"),
        (CampaignRule, {"min_authors": 1}, "min_authors", "from 2 to 1,000,000, not 1"),
        (CampaignRule, {"min_repeats": "3"}, "min_repeats", "number from 2 to 1,000,000, not '3'"),
        (CampaignRule, {"similarity": 0}, "similarity", "more than 0"),
        (CampaignRule, {"min_length": -1}, "min_length", "from 1 to 1,000,000, not -1"),
        (CampaignRule, {"min_length": 10**30}, "min_length", "not a whole number of 31 digits"),
        (BurstRule, {"count": 0}, "count", "from 1 to 1,000,000, not 0"),
        (BurstRule, {"count": 2**63}, "count", "to 1,000,000, not 9,223,372,036,854,775,808"),
        (BurstRule, {"count": True}, "count", "whole number from 1 to 1,000,000, not true"),
        (BurstRule, {"minutes": 0}, "minutes", "above 0 and at most 525,600, not 0"),
        (BurstRule, {"minutes": "10"}, "minutes", "above 0 and at most 525,600, not '10'"),
        (BurstRule, {"minutes": True}, "minutes", "above 0 and at most 525,600, not true"),
        # Each of these passed `rules check`: a float past timedelta's range crashed the check;
        # a whole number within it crashed every run (the window before a 1900 comment).
        (BurstRule, {"minutes": 1e20}, "minutes", "at most 525,600, not 1e+20"),
        (BurstRule, {"minutes": 9999999999}, "minutes", "at most 525,600, not 9,999,999,999"),
        (BurstRule, {"minutes": 10**400}, "minutes", "not a whole number of 401 digits"),
        (BurstRule, {"minutes": float("inf")}, "minutes", "at most 525,600, not inf"),
        (BurstRule, {"minutes": float("nan")}, "minutes", "at most 525,600, not nan"),
    ],
)
def test_config_errors_name_the_key(
    kind: type[Rule], table: dict[str, Any], key: str, message: str
) -> None:
    with pytest.raises(RuleConfigError) as raised:
        build(kind, **table)
    assert raised.value.key == key
    assert message in str(raised.value)


def test_every_behavioural_kind_loads_from_a_rule_file(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(
        """
        [[rule]]
        id = "blocked"
        kind = "author_list"
        names = ["spamking"]
        list = "block"
        action = "hide"

        [[rule]]
        id = "first"
        kind = "first_comment"

        [[rule]]
        id = "history"
        kind = "author_history"
        threshold = 0.5
        min_decided = 4

        [[rule]]
        id = "campaign"
        kind = "campaign"
        min_authors = 3
        min_repeats = 3
        similarity = 0.7
        min_length = 30

        [[rule]]
        id = "burst"
        kind = "burst"
        count = 5
        minutes = 10
        """,
        encoding="utf-8",
    )
    rules = {rule.id: rule for rule in load_rule_set(path).rules}
    assert all(rule.behavioural for rule in rules.values())
    assert isinstance(rules["campaign"], CampaignRule)
    assert rules["campaign"].similarity == 0.7
    assert isinstance(rules["burst"], BurstRule)
    assert rules["burst"].minutes == 10
