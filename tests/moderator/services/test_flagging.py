"""Rule results in the database: flags replaced per comment, hides by rule, import and runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

import moderator.rules.kinds  # noqa: F401 - registers the built-in kinds
from moderator.domain import ReasonCode, Status
from moderator.formats.records import IncomingArticle, IncomingComment
from moderator.imports.importer import import_paths
from moderator.queries.queue import QueueFilter, list_queue
from moderator.rules.loader import load_rule_set
from moderator.rules.model import RuleSet
from moderator.runs.rules import run_rules
from moderator.services.flagging import StoredHistory
from moderator.services.importing import import_article
from moderator.services.moderation import approve, ensure_profile
from moderator.store.database import Database
from moderator.store.models import Comment, Flag
from tests.conftest import logged_decisions

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
RULES = """
[ruleset]
name = "Test"

[[rule]]
id = "insults"
kind = "words"
terms = ["idiot", "moron"]
severity = "medium"

[[rule]]
id = "slurs"
kind = "words"
terms = ["scumbag"]
severity = "high"
action = "hide"

[[rule]]
id = "first"
kind = "first_comment"
severity = "low"
"""


@pytest.fixture
def rule_set(tmp_path: Path) -> RuleSet:
    path = tmp_path / "rules.toml"
    path.write_text(RULES, encoding="utf-8")
    return load_rule_set(path)


def add(database: Database, *bodies: tuple[str, str]) -> list[int]:
    article = IncomingArticle(
        "T",
        "B",
        "t.txt",
        tuple(
            IncomingComment(author, T0 + timedelta(minutes=i), body)
            for i, (author, body) in enumerate(bodies)
        ),
    )
    with database.transaction() as session:
        import_article(session, article)
    with database.session() as session:
        return list(session.scalars(select(Comment.id).order_by(Comment.position)))


def flags(database: Database) -> list[tuple[int, str]]:
    with database.session() as session:
        rows = session.execute(select(Flag.comment_id, Flag.rule_id).order_by(Flag.id))
        return [(comment_id, rule_id) for comment_id, rule_id in rows]


def test_a_run_flags_hides_and_can_be_repeated(database: Database, rule_set: RuleSet) -> None:
    ids = add(database, ("ann", "You idiot."), ("bob", "Fair point."), ("ann", "scumbag!"))
    with database.transaction() as session:
        approve(session, [ids[2]], actor=ensure_profile(session, "maria"))

    first = run_rules(database, rule_set)
    again = run_rules(database, rule_set)

    assert (first.checked, first.flagged, first.hidden) == (3, 3, 0)
    assert (again.checked, again.hits) == (3, first.hits)
    assert sorted(flags(database)) == sorted(
        [(ids[0], "insults"), (ids[0], "first"), (ids[1], "first"), (ids[2], "slurs")]
    )
    with database.session() as session:
        # A person approved the slur before the rule saw it: flagged, not overruled.
        assert session.get(Comment, ids[2]).status is Status.APPROVED  # type: ignore[union-attr]
        versions = set(session.scalars(select(Flag.rule_set_version)))
    assert versions == {rule_set.version}


def test_a_hide_rule_takes_down_pending_comments_with_the_evidence(
    database: Database, rule_set: RuleSet
) -> None:
    ids = add(database, ("ann", "What a scumbag."))
    report = run_rules(database, rule_set)
    assert report.hidden == 1
    with database.session() as session:
        comment = session.get(Comment, ids[0])
        assert comment is not None
        assert comment.status is Status.HIDDEN
    flag, action = logged_decisions(database, ids[0])
    assert (flag.action, flag.to_status) == ("flag", "pending")
    assert (action.actor, action.role, action.rule_set_version) == (
        "system",
        "system",
        rule_set.version,
    )
    assert (action.action, action.from_status, action.to_status) == ("hide", "pending", "hidden")
    assert action.reason == ReasonCode.OTHER
    assert action.note is not None
    assert action.note.startswith("rule slurs: 'scumbag' ")
    assert action.evidence is not None
    assert '"matched":["scumbag"]' in action.evidence
    flagged = list_queue(database.session(), QueueFilter(flagged=True, status=None))
    assert [row.flags[0].spans for row in flagged] == [((7, 14),)]


def test_import_checks_new_comments_in_the_same_unit(
    database: Database, rule_set: RuleSet, tmp_path: Path
) -> None:
    scrape = tmp_path / "a.txt"
    scrape.write_text(
        "T\n\nBody.\n\nComments 2\nThumb ann 1 May 2020, 10:00\n\nYou moron.\n\n"
        "Thumb bob 1 May 2020, 11:00\n\nNice.\n",
        encoding="utf-8",
    )
    report = import_paths(database, [scrape], rules=rule_set)
    assert [(len(f.flagged), f.hits) for f in report.flags] == [(2, 3)]
    # A long run's report must not hold every new comment's fingerprint.
    assert report.imported[0].added_fingerprints == ()
    assert sorted(rule for _, rule in flags(database)) == ["first", "first", "insults"]

    # Importing the same scrape again checks nothing new and leaves the flags alone.
    again = import_paths(database, [scrape], rules=rule_set)
    assert again.flags == []
    assert len(flags(database)) == 3


def test_stored_history_excludes_the_comments_being_checked(database: Database) -> None:
    ids = add(database, ("ann", "one"), ("ann", "two"), ("bob", "three"))
    with database.transaction() as session:
        approve(session, [ids[0]], actor=ensure_profile(session, "m"))
    with database.session() as session:
        history = StoredHistory(session, excluding=[ids[1]])
        assert history.comment_count("ann") == 1
        assert history.decisions("ann") == (0, 1)
        assert history.decisions("nobody") == (0, 0)
        whole = StoredHistory(session, whole_run=True)
        assert (whole.comment_count("ann"), tuple(whole.recent_times("ann"))) == (0, ())


def test_a_burst_on_import_counts_stored_comments_within_its_minutes(
    database: Database, tmp_path: Path
) -> None:
    rules = tmp_path / "burst.toml"
    rules.write_text('[[rule]]\nid = "burst"\nkind = "burst"\ncount = 2\nminutes = 10\n')
    burst = load_rule_set(rules)

    def scrape(name: str, *times: str) -> Path:
        comments = "".join(f"Thumb ann 1 May 2020, {at}\n\nAt {at}.\n\n" for at in times)
        path = tmp_path / name
        path.write_text(f"{name}\n\nBody.\n\nComments {len(times)}\n{comments}", encoding="utf-8")
        return path

    # Stored first: 09:57 is more than ten minutes before 10:08, 09:59 and 10:05 are not, and
    # 10:30 comes after every new comment.
    import_paths(database, [scrape("earlier", "09:57", "09:59", "10:05", "10:30")], rules=burst)
    report = import_paths(database, [scrape("later", "10:08")], rules=burst)
    assert [(len(f.flagged), f.hits) for f in report.flags] == [(1, 1)]
    with database.session() as session:
        explanation = session.scalars(
            select(Flag.explanation).join(Comment).where(Comment.body == "At 10:08.")
        ).one()
    assert explanation == "3 comments in 10 minutes (limit 2)"


def test_a_run_can_stop_between_pages_and_keeps_what_it_did(
    database: Database, rule_set: RuleSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("moderator.runs.rules.PAGE", 1)
    ids = add(database, ("ann", "idiot"), ("bob", "moron"), ("cy", "idiot"))
    seen: list[tuple[int, int]] = []
    report = run_rules(
        database,
        rule_set,
        progress=lambda done, total: seen.append((done, total)),
        stop=lambda: True,
    )
    assert (report.checked, report.total, report.stopped) == (1, 3, True)
    assert seen == [(1, 3)]
    assert {comment_id for comment_id, _ in flags(database)} == {ids[0]}

    # Never asked to stop: it runs to the end, and is not "stopped".
    whole = run_rules(database, rule_set, stop=lambda: False)
    assert (whole.checked, whole.stopped) == (3, False)
