"""Insights: the numbers behind each chart, against a database built by hand.
Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update

import moderator.rules.kinds  # noqa: F401 - registers the built-in kinds
from moderator.domain import Role, Severity
from moderator.imports.importer import import_paths
from moderator.insights.rows import rule_rows
from moderator.insights.stats import (
    Bucket,
    Period,
    article_stats,
    decisions_over_time,
    moderator_stats,
    roll_up,
    rule_stats,
)
from moderator.rules.loader import load_rule_set
from moderator.rules.model import Hit, RuleAction, RuleSet
from moderator.runs.rules import run_rules
from moderator.services import moderation, review
from moderator.services.flagging import store_hits
from moderator.services.history import Actor
from moderator.store.database import Database
from moderator.store.models import Comment, LogEntryRow
from tests.conftest import add_comments

DAY1 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
DAY2 = datetime(2026, 3, 3, 14, 5, tzinfo=UTC)


@pytest.fixture
def desk(database: Database) -> dict[str, list[int]]:
    """Article A (6 comments) and B (3). Ann and Bob moderate, Ed edits; rules "links" and
    "insults" flag some comments; the rules hide one themselves."""
    a = add_comments(database, 6, title="A")
    b = add_comments(database, 3, title="B")
    rules = RuleSet("t", (), "v1")

    def hit(rule: str) -> list[Hit]:
        return [Hit(rule, Severity.MEDIUM, RuleAction.FLAG, "why", ((0, 1),))]

    with database.transaction() as session:
        store_hits(
            session,
            [
                (a[0], hit("links")),
                (a[2], hit("links")),
                (a[4], hit("insults")),
                (a[5], hit("insults")),
            ],
            rule_set=rules,
        )
        ann = moderation.ensure_profile(session, "ann")
        bob = moderation.ensure_profile(session, "bob")
        ed = moderation.ensure_profile(session, "ed", role=Role.EDITOR)
        moderation.approve(session, [a[0], a[1]], actor=ann)
        moderation.hide(session, [a[2]], actor=ann, reason="spam")
        moderation.approve(session, [a[4]], actor=bob)
        moderation.hide_each(session, {a[5]: "insults"}, actor=Actor.rules("v1"), reason="abuse")
        moderation.hide(session, [b[0], b[1]], actor=bob, reason="abuse")
    with database.transaction() as session:
        ed = moderation.ensure_profile(session, "ed")
        # Ed turns two decisions the other way, and publishes what the rules hid.
        moderation.approve(session, [a[2]], actor=ed)
        moderation.hide(session, [a[4]], actor=ed, reason="abuse")
        moderation.approve(session, [a[5]], actor=ed)
    # The first batch of decisions on day 1, Ed's on day 2 (written straight in: the
    # numbers, not the chain, are under test).
    with database.transaction() as session:
        session.execute(update(LogEntryRow).values(created_at=DAY1))
        session.execute(
            update(LogEntryRow).where(LogEntryRow.actor == "ed").values(created_at=DAY2)
        )
    return {"a": a, "b": b}


def test_decisions_over_time_by_day_and_by_hour(
    database: Database, desk: dict[str, list[int]]
) -> None:
    with database.session() as session:
        days = decisions_over_time(session)
        hours = decisions_over_time(session, by=Bucket.HOUR)
        ann_only = decisions_over_time(session, Period(actor="ann"))
        day2_only = decisions_over_time(session, Period(since=DAY2.replace(hour=0, minute=0)))
        b_article = session.scalars(
            select(Comment.article_id).where(Comment.id == desk["b"][0])
        ).one()
        article_b = decisions_over_time(session, Period(article_id=b_article))
    # The rules' own hide is not a decision of the desk's.
    assert [(d.start, d.by_action) for d in days] == [
        (datetime(2026, 3, 2, tzinfo=UTC), {"approve": 3, "hide": 3}),
        (datetime(2026, 3, 3, tzinfo=UTC), {"approve": 2, "hide": 1}),
    ]
    assert [(h.start, h.total) for h in hours] == [
        (datetime(2026, 3, 2, 9, tzinfo=UTC), 6),
        (datetime(2026, 3, 3, 14, tzinfo=UTC), 3),
    ]
    assert [d.by_action for d in ann_only] == [{"approve": 2, "hide": 1}]
    assert [d.total for d in day2_only] == [3]
    assert [d.by_action for d in article_b] == [{"hide": 2}]


def test_each_moderator_with_the_decisions_an_editor_turned_around(
    database: Database, desk: dict[str, list[int]]
) -> None:
    with database.session() as session:
        found = {s.actor: s for s in moderator_stats(session)}
        early = {s.actor: s for s in moderator_stats(session, Period(until=DAY2))}
    assert list(found) == ["ann", "bob", "ed"]
    assert (found["ann"].decisions, found["ann"].by_action) == (3, {"approve": 2, "hide": 1})
    assert (found["bob"].decisions, found["bob"].by_action) == (3, {"approve": 1, "hide": 2})
    assert (found["ed"].decisions, found["ed"].overturned) == (3, 0)
    # Ed published Ann's hide and hid Bob's approval (the rules' hide is nobody's).
    assert (found["ann"].overturned, found["bob"].overturned) == (1, 1)
    assert found["bob"].share("hide") == pytest.approx(2 / 3)
    # Before day 2 nothing had been turned around yet.
    assert (early["ann"].overturned, early["bob"].overturned) == (0, 0)
    assert "ed" not in early


def test_each_rule_with_how_people_decided_what_it_flagged(
    database: Database, desk: dict[str, list[int]]
) -> None:
    with database.session() as session:
        found = rule_stats(session)
    links, insults = found
    # links: both flagged comments ended up published: a noisy rule, shown first.
    assert (
        links.rule_id, links.hits, links.hidden_by_people, links.approved_by_people, links.pending
    ) == ("links", 2, 0, 2, 0)  # fmt: skip
    assert links.precision == 0.0
    assert links.example_comment_id in desk["a"][:3]
    # insults: one hidden (by Ed), one the rules hid and Ed published.
    assert (
        insults.hits,
        insults.hidden_by_people,
        insults.approved_by_people,
        insults.hidden_by_rules,
        insults.overturned_hides,
    ) == (2, 1, 1, 0, 1)
    assert insults.precision == 0.5
    assert insults.example_comment_id == desk["a"][5]


SEVERE = """
[ruleset]
name = "Severe"

[[rule]]
id = "severe"
kind = "words"
terms = ["scumbag"]
severity = "high"
action = "hide"

[[rule]]
id = "links"
kind = "words"
terms = ["http"]
"""


@pytest.fixture
def auto_hidden(database: Database, tmp_path: Path) -> list[int]:
    """Five comments imported under a rule set whose "severe" list hides what it finds: it
    hides the first four on import; "links" only flags the fifth. Nobody decided any."""
    rules = tmp_path / "rules.toml"
    rules.write_text(SEVERE, encoding="utf-8")
    bodies = ["You scumbag."] * 4 + ["See http://example.org"]
    scrape = tmp_path / "a.txt"
    scrape.write_text(
        f"T\n\nBody.\n\nComments {len(bodies)}\n"
        + "".join(
            f"Thumb reader{n} 1 May 2020, 1{n}:00\n\n{body}\n\n" for n, body in enumerate(bodies)
        ),
        encoding="utf-8",
    )
    report = import_paths(database, [scrape], rules=load_rule_set(rules), actor="importer")
    assert report.hidden == 4
    with database.session() as session:
        return list(session.scalars(select(Comment.id).order_by(Comment.position)))


def test_the_rules_own_hides_are_not_people_s(database: Database, auto_hidden: list[int]) -> None:
    with database.session() as session:
        severe, links = rule_stats(session)
    assert (
        severe.rule_id,
        severe.hits,
        severe.hidden_by_people,
        severe.approved_by_people,
        severe.hidden_by_rules,
        severe.pending,
        severe.overturned_hides,
    ) == ("severe", 4, 0, 0, 4, 0, 0)
    # Nobody decided anything: no precision, not 100%.
    assert severe.precision is None
    assert (links.hits, links.pending, links.hidden_by_rules, links.precision) == (1, 1, 0, None)
    (row, _) = rule_rows([severe, links])
    assert (row["hidden_by_people"], row["hidden_by_rules"], row["precision"]) == (0, 4, None)


def test_people_s_verdicts_on_what_the_rules_hid(
    database: Database, auto_hidden: list[int]
) -> None:
    first, second, third, fourth, _ = auto_hidden
    with database.transaction() as session:
        bob = moderation.ensure_profile(session, "bob")
        ed = moderation.ensure_profile(session, "ed", role=Role.EDITOR)
        # Ed publishes one the rules hid; Bob asks about two, and Ed keeps one hidden.
        moderation.approve(session, [first], actor=ed)
        moderation.escalate(session, [second, third], actor=bob, note="sure?")
        review.resolve(session, [second], actor=ed, outcome="uphold", note="yes", reason="abuse")
        # The open escalation decides nothing, nor does a publication taken back.
        published = moderation.approve(session, [fourth], actor=ed)
        moderation.undo(session, published, actor=ed)
    with database.session() as session:
        severe = next(s for s in rule_stats(session) if s.rule_id == "severe")
    assert (
        severe.hits,
        severe.hidden_by_people,
        severe.approved_by_people,
        severe.hidden_by_rules,
        severe.overturned_hides,
    ) == (4, 1, 1, 2, 1)
    assert severe.precision == 0.5
    # The example is the one people published: where the rule was wrong.
    assert severe.example_comment_id == first


def test_a_comment_sent_back_and_hidden_by_the_rules_again_is_theirs(
    database: Database, auto_hidden: list[int], tmp_path: Path
) -> None:
    first = auto_hidden[0]
    with database.transaction() as session:
        ed = moderation.ensure_profile(session, "ed", role=Role.EDITOR)
        moderation.approve(session, [first], actor=ed)
        moderation.restore(session, [first], actor=ed)
    assert run_rules(database, load_rule_set(tmp_path / "rules.toml")).hidden == 1
    with database.session() as session:
        severe = next(s for s in rule_stats(session) if s.rule_id == "severe")
    # Ed's publication stands in the log, but the comment is the rules' hide again.
    assert (severe.approved_by_people, severe.hidden_by_rules, severe.overturned_hides) == (
        0,
        4,
        0,
    )
    assert severe.precision is None


def test_each_article_the_worst_first(database: Database, desk: dict[str, list[int]]) -> None:
    with database.session() as session:
        found = article_stats(session)
    assert [(s.title, s.comments, s.hidden, s.flagged) for s in found] == [
        ("B", 3, 2, 0),
        ("A", 6, 1, 4),
    ]
    assert found[0].hidden_share == pytest.approx(2 / 3)


def test_the_hourly_counts_give_the_same_answers_rolled_up_or_not(
    database: Database, desk: dict[str, list[int]]
) -> None:
    def answers() -> tuple[object, ...]:
        with database.session() as session:
            return (
                [(d.start, d.by_action) for d in decisions_over_time(session)],
                [(d.start, d.total) for d in decisions_over_time(session, by=Bucket.HOUR)],
                [(m.actor, m.by_action) for m in moderator_stats(session, Period(actor="bob"))],
                # Not on the hour: counted from the log itself.
                [d.total for d in decisions_over_time(session, Period(since=DAY1))],
            )

    before = answers()
    with database.transaction() as session:
        assert roll_up(session) > 0
    with database.transaction() as session:
        assert roll_up(session) == 0  # up to date
    assert answers() == before
    # Decisions after the roll-up are counted from the log's tail until the next one.
    with database.transaction() as session:
        moderation.hide(
            session, [desk["b"][2]], actor=moderation.ensure_profile(session, "bob"), reason="spam"
        )
    with database.session() as session:
        total = sum(d.total for d in decisions_over_time(session))
        bob = moderator_stats(session, Period(actor="bob"))[0]
    assert (total, bob.decisions) == (10, 4)
    with database.transaction() as session:
        roll_up(session)
    with database.session() as session:
        assert sum(d.total for d in decisions_over_time(session)) == 10


@pytest.mark.parametrize(
    ("since", "until", "expected"),
    [
        # Within one hour, at its start, past the entries, across days, open-ended.
        (DAY1.replace(minute=0), DAY1.replace(minute=45), 6),
        (DAY1.replace(minute=31), DAY1.replace(minute=59), 0),
        (DAY1, DAY2, 6),
        (DAY1.replace(hour=10, minute=0), DAY2.replace(minute=6), 3),
        (DAY1.replace(minute=31), None, 3),
        (None, DAY2.replace(minute=5), 6),
    ],
)
def test_ranges_off_the_hour_count_the_same_rolled_up_or_not(
    database: Database,
    desk: dict[str, list[int]],
    since: datetime | None,
    until: datetime | None,
    expected: int,
) -> None:
    period = Period(since=since, until=until)

    def total() -> tuple[int, int]:
        with database.session() as session:
            by_day = sum(d.total for d in decisions_over_time(session, period))
            by_person = sum(m.decisions for m in moderator_stats(session, period))
        return by_day, by_person

    assert total() == (expected, expected)
    with database.transaction() as session:
        roll_up(session)
    assert total() == (expected, expected)
