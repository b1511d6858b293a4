"""`moderator import` with rules, and `moderator rules run`, against a real database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from moderator.cli import main

SCRAPE = (
    "T\n\nBody.\n\nComments 2\nThumb ann 1 May 2020, 10:00\n\nYou are an idiot.\n\n"
    "Thumb bob 1 May 2020, 11:00\n\nThanks for the article.\n"
)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_import_flags_with_the_default_rules_and_run_redoes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "db.sqlite3")
    scrape = tmp_path / "a.txt"
    scrape.write_text(SCRAPE, encoding="utf-8")

    code, _, err = run(capsys, "--db", db, "import", str(scrape))
    assert code == 0, err
    assert "2 comments added, 1 flagged, 0 hidden by rules" in err
    code, out, _ = run(capsys, "--db", db, "queue", "--flagged", "--json")
    flagged = json.loads(out)["comments"]
    insult = next(c for c in flagged if c["author"] == "ann")
    rules = {flag["rule_id"] for flag in insult["flags"]}
    assert {"insults", "you-are-insult"} <= rules

    code, out, err = run(capsys, "--db", db, "rules", "run")
    assert code == 0, err
    assert out.startswith("2 comments checked with 'Default'")


def test_no_rules_imports_without_flags(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "db.sqlite3")
    scrape = tmp_path / "a.txt"
    scrape.write_text(SCRAPE, encoding="utf-8")
    assert run(capsys, "--db", db, "import", "--no-rules", str(scrape))[0] == 0
    _, out, _ = run(capsys, "--db", db, "queue", "--flagged", "--json")
    assert json.loads(out)["comments"] == []


def test_a_broken_rule_set_stops_the_import_before_anything_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "db.sqlite3")
    scrape = tmp_path / "a.txt"
    scrape.write_text(SCRAPE, encoding="utf-8")
    broken = tmp_path / "broken.toml"
    broken.write_text('[[rule]]\nid = "x"\nkind = "nonsense"\n', encoding="utf-8")
    code, _, err = run(capsys, "--db", db, "import", "--rules", str(broken), str(scrape))
    assert code == 1
    assert f"{broken}:3: unknown kind 'nonsense'" in err
    _, out, _ = run(capsys, "--db", db, "articles", "--json")
    assert json.loads(out)["articles"] == []
