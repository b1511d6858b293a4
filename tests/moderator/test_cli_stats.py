"""`moderator stats ...` as a user drives it: tables, JSON, filters, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.moderator.test_cli import GOOD, Cli


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


def test_a_bad_date_is_a_usage_error(cli: Cli) -> None:
    with pytest.raises(SystemExit) as caught:
        cli("stats", "decisions", "--since", "yesterday")
    assert caught.value.code == 2
    assert json.loads(cli("stats", "articles", "--json", "--at-least", "5")[1]) == {"articles": []}
