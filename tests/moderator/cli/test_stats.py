"""`moderator stats ...` as a user drives it: tables, JSON, filters, bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from moderator.cli import opening as cli_module
from moderator.insights.queue import span_text
from moderator.store.database import Database
from tests.moderator.cli.test_main import GOOD, Cli


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    run = Cli(tmp_path / "db.sqlite3", capsys)
    article = tmp_path / "a.txt"
    article.write_text(GOOD.format(n=1), encoding="utf-8")
    assert run("import", str(article))[0] == 0
    assert run("profile", "ed", "--role", "editor", "--as", "ed")[0] == 0
    assert run("hide", "1", "--reason", "spam", "--as", "ann")[0] == 0
    assert run("approve", "2", "--as", "ann")[0] == 0
    assert run("approve", "1", "--as", "ed")[0] == 0
    return run


def test_each_view_as_json(cli: Cli) -> None:
    (day,) = cli.json("stats", "decisions")["decisions"]
    assert (day["approve"], day["hide"], day["total"]) == (2, 1, 3)
    moderators = {m["actor"]: m for m in cli.json("stats", "moderators")["moderators"]}
    assert (moderators["ann"]["decisions"], moderators["ann"]["overturned"]) == (2, 1)
    assert cli.json("stats", "rules")["rules"] == []
    (article,) = cli.json("stats", "articles")["articles"]
    assert (article["comments"], article["hidden"], article["hidden_share"]) == (2, 0, 0.0)
    assert cli.json("stats", "decisions", "--actor", "nobody")["decisions"] == []
    assert cli.json("stats", "decisions", "--until", "2000-01-01")["decisions"] == []


def test_a_table_for_people(cli: Cli) -> None:
    code, out, err = cli("stats", "moderators")
    assert (code, err) == (0, "")
    header, *rows = out.splitlines()
    assert header.split() == ["actor", "decisions", "approve", "hide", "overturned"]
    assert rows[0].split()[:2] == ["ann", "2"]
    code, out, _ = cli("stats", "rules")
    assert (code, out.strip()) == (0, "nothing to count yet")


HIDE_RULES = """
[ruleset]
name = "Severe"

[[rule]]
id = "severe"
kind = "words"
terms = ["scumbag"]
severity = "high"
action = "hide"
"""


def test_the_rules_own_hides_apart_from_people_s(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = Cli(tmp_path / "rules.sqlite3", capsys)
    rules = tmp_path / "rules.toml"
    rules.write_text(HIDE_RULES, encoding="utf-8")
    article = tmp_path / "a.txt"
    article.write_text(
        "T\n\nBody.\n\nComments 2\nThumb ann 1 May 2020, 10:00\n\nYou scumbag.\n\n"
        "Thumb bob 1 May 2020, 11:00\n\nScumbag!\n",
        encoding="utf-8",
    )
    # A rule set other than the chosen one hides only by an editor's act.
    assert run("profile", "ann", "--role", "editor", "--as", "ann")[0] == 0
    code, _, err = run("import", str(article), "--rules", str(rules), "--as", "ann")
    assert code == 0, err
    assert err.strip().endswith("2 hidden by rules")
    (severe,) = run.json("stats", "rules")["rules"]
    assert (
        severe["hits"],
        severe["hidden_by_people"],
        severe["approved_by_people"],
        severe["hidden_by_rules"],
        severe["precision"],
    ) == (2, 0, 0, 2, None)
    _, out, _ = run("stats", "rules")
    header, row = out.splitlines()[0], out.splitlines()[-1]
    assert header.split() == [
        "rule",
        "hits",
        "hidden_by_people",
        "approved_by_people",
        "hidden_by_rules",
        "pending",
        "precision",
        "overturned_hides",
        "example",
    ]
    assert row.split()[:7] == ["severe", "2", "0", "0", "2", "0", "-"]
    # An editor publishes one: people decided one, and the rule was wrong on it.
    assert run("profile", "ed", "--role", "editor", "--as", "ann")[0] == 0
    assert run("approve", "1", "--as", "ed")[0] == 0
    (severe,) = run.json("stats", "rules")["rules"]
    assert (severe["approved_by_people"], severe["hidden_by_rules"], severe["precision"]) == (
        1,
        1,
        0.0,
    )
    assert (severe["overturned_hides"], severe["example"]) == (1, 1)


def test_a_bad_date_is_a_usage_error(cli: Cli) -> None:
    with pytest.raises(SystemExit) as caught:
        cli("stats", "decisions", "--since", "yesterday")
    assert caught.value.code == 2
    assert json.loads(cli("stats", "articles", "--json", "--at-least", "5")[1]) == {"articles": []}


def test_the_queue_and_the_waits(cli: Cli) -> None:
    days = cli.json("stats", "queue")["queue"]
    # Two comments arrived today; both were decided.
    assert [(d["pending"], d["oldest_since"], d["oldest_wait"]) for d in days] == [(0, None, None)]
    desk, article = cli.json("stats", "waits")["waits"]
    assert (desk["article"], desk["decided"]) == (None, 2)
    assert desk["title"] == "All articles"
    assert (article["article"], article["decided"]) == (1, 2)
    assert article["median_wait"] >= 0
    _, out, _ = cli("stats", "waits")
    header, *rows = out.splitlines()
    assert header.split() == ["article", "decided", "median_wait", "p90_wait", "title"]
    assert rows[0].split()[:2] == ["-", "2"]
    # The wait is however long the machine took between the import and the decisions.
    assert float(rows[0].split()[2]) >= 0
    assert cli.json("stats", "queue", "--article", "99")["queue"] == []


def test_waits_read_as_people_say_them() -> None:
    assert [span_text(s) for s in (0, 59.4, 60, 3599, 3600, 3660, 86_400, 90_000)] == [
        "0 s",
        "59 s",
        "1 min",
        "59 min",
        "1 h",
        "1 h 1 min",
        "1 d",
        "1 d 1 h",
    ]


def test_a_read_only_database_is_counted_without_saving_the_roll_ups(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`stats` refused on a read-only database (its roll-ups write), while saying reading
    still works. Counted once with the roll-ups saved, then read-only after one more
    decision: the count past the roll-up comes from the log itself."""
    assert cli.json("stats", "decisions")["decisions"][0]["total"] == 3
    assert cli("restore", "2", "--as", "ann")[0] == 0
    real = cli_module.open_database

    def read_only(*args: Any, **kwargs: Any) -> Database:
        database = real(*args, **kwargs)
        event.listen(
            database.engine, "connect", lambda raw, _: raw.execute("PRAGMA query_only = ON")
        )
        database.engine.dispose()
        return database

    monkeypatch.setattr(cli_module, "open_database", read_only)
    (day,) = cli.json("stats", "decisions")["decisions"]
    assert (day["approve"], day["hide"], day["restore"], day["total"]) == (2, 1, 1, 4)
    assert cli.json("stats", "queue")["queue"]
    assert cli("approve", "2", "--as", "ann")[2].startswith(
        "moderator: The database can be read but not written"
    )
