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


def test_backtest_reports_per_rule_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "db.sqlite3")
    scrape = tmp_path / "a.txt"
    scrape.write_text(
        SCRAPE.replace("Comments 2", "Comments 3")
        + "\nThumb cat 1 May 2020, 12:00\n\nWhat an idiot, honestly.\n",
        encoding="utf-8",
    )
    assert run(capsys, "--db", db, "import", "--no-rules", str(scrape))[0] == 0
    _, out, _ = run(capsys, "--db", db, "queue", "--json")
    ids = {c["author"]: c["id"] for c in json.loads(out)["comments"]}
    assert run(capsys, "--db", db, "hide", str(ids["ann"]), "--reason", "abuse")[0] == 0
    assert run(capsys, "--db", db, "approve", str(ids["cat"]))[0] == 0

    stricter = tmp_path / "stricter.toml"
    stricter.write_text(
        '[[rule]]\nid = "thanks"\nkind = "words"\nterms = ["thanks"]\n', encoding="utf-8"
    )
    code, out, err = run(capsys, "--db", db, "rules", "backtest", "--json")
    assert code == 0, err
    report = json.loads(out)
    insults = next(rule for rule in report["rules"] if rule["rule_id"] == "insults")
    assert (insults["hits"], insults["hidden_by_people"], insults["approved_by_people"]) == (
        2,
        1,
        1,
    )
    assert insults["precision"] == 0.5
    assert report["checked"] == 3
    assert report["added"] is None

    code, out, _ = run(capsys, "--db", db, "rules", "backtest", "--rules", str(stricter), "--json")
    compared = json.loads(out)
    assert (compared["flagged"], compared["added"], compared["dropped"]) == (1, 1, 2)

    code, out, _ = run(capsys, "--db", db, "rules", "backtest")
    assert "nothing was changed" in out
    _, out, _ = run(capsys, "--db", db, "queue", "--flagged", "--json", "--status", "all")
    assert json.loads(out)["comments"] == []


def test_a_backtest_counts_people_s_verdicts_not_the_rules_own_hides(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "db.sqlite3")
    hiding = tmp_path / "hiding.toml"
    hiding.write_text(
        '[[rule]]\nid = "idiots"\nkind = "words"\nterms = ["idiot"]\naction = "hide"\n',
        encoding="utf-8",
    )
    scrape = tmp_path / "a.txt"
    scrape.write_text(SCRAPE, encoding="utf-8")
    assert run(capsys, "--db", db, "profile", "ed", "--role", "editor", "--as", "ed")[0] == 0
    code, _, err = run(
        capsys, "--db", db, "import", "--rules", str(hiding), str(scrape), "--as", "ed"
    )
    assert code == 0, err
    code, out, err = run(capsys, "--db", db, "rules", "backtest", "--rules", str(hiding), "--json")
    assert code == 0, err
    (idiots,) = json.loads(out)["rules"]
    # The rule hid it itself and nobody decided: no verdict by people, no precision (was 100%).
    assert (idiots["hits"], idiots["hidden_by_people"], idiots["approved_by_people"]) == (1, 0, 0)
    assert idiots["precision"] is None
    # A person publishing what the rule hid is a verdict against it.
    _, out, _ = run(capsys, "--db", db, "queue", "--json", "--status", "all")
    hid = next(c["id"] for c in json.loads(out)["comments"] if c["author"] == "ann")
    assert run(capsys, "--db", db, "approve", str(hid), "--as", "ed")[0] == 0
    _, out, _ = run(capsys, "--db", db, "rules", "backtest", "--rules", str(hiding), "--json")
    (idiots,) = json.loads(out)["rules"]
    assert (idiots["hidden_by_people"], idiots["approved_by_people"]) == (0, 1)
    assert idiots["precision"] == 0.0


def test_a_rule_set_not_chosen_hides_only_by_an_editors_act(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "db.sqlite3")
    scrape = tmp_path / "a.txt"
    scrape.write_text(SCRAPE, encoding="utf-8")
    assert run(capsys, "--db", db, "import", str(scrape), "--as", "mo")[0] == 0
    evil = tmp_path / "evil.toml"
    evil.write_text(
        '[[rule]]\nid = "all"\nkind = "words"\nterms = ["the", "idiot"]\naction = "hide"\n',
        encoding="utf-8",
    )
    # A moderator: refused before anything is checked (it hid 434 comments as `system`).
    for command in (["rules", "run", "--rules", str(evil)], ["import", "--rules", str(evil)]):
        args = [*command, str(scrape)] if command[0] == "import" else command
        code, _, err = run(capsys, "--db", db, *args, "--as", "mo")
        assert code == 1
        assert "needs the editor role; mo is a moderator" in err
    _, out, _ = run(capsys, "--db", db, "queue", "--json", "--status", "hidden")
    assert json.loads(out)["comments"] == []
    # Dry runs stay open to everyone.
    assert run(capsys, "--db", db, "rules", "backtest", "--rules", str(evil))[0] == 0
    # An editor may, and the log names them and the set.
    assert run(capsys, "--db", db, "profile", "ed", "--role", "editor", "--as", "ed")[0] == 0
    code, out, err = run(capsys, "--db", db, "rules", "run", "--rules", str(evil), "--as", "ed")
    assert code == 0, err
    assert "2 hidden by rules" in out
    _, out, _ = run(capsys, "--db", db, "log", "export", "--format", "jsonl", "--out", "-")
    runs = [json.loads(line) for line in out.splitlines() if '"rules-run"' in line]
    assert [(entry["actor"], entry["role"]) for entry in runs] == [("ed", "editor")]


@pytest.mark.parametrize(
    ("minutes", "shown"),
    [("1e20", "1e+20"), ("9999999999", "9,999,999,999"), ("nan", "nan"), ("true", "true")],
)
def test_a_burst_window_out_of_range_is_refused_by_check_run_and_import(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], minutes: str, shown: str
) -> None:
    # 1e20 crashed `rules check` (timedelta overflow); 9999999999 passed it, then crashed
    # `rules run` and every import (the window before a comment fell before year 1).
    db = str(tmp_path / "db.sqlite3")
    scrape = tmp_path / "a.txt"
    scrape.write_text(SCRAPE, encoding="utf-8")
    assert run(capsys, "--db", db, "import", "--no-rules", str(scrape))[0] == 0
    rules = tmp_path / "burst.toml"
    rules.write_text(f'[[rule]]\nid = "b"\nkind = "burst"\nminutes = {minutes}\n', "utf-8")
    expected = (
        f"{rules}:4: rule 'b': minutes must be a number above 0 and at most 525,600, not {shown}\n"
    )
    for command in (
        ["rules", "check", str(rules)],
        ["--db", db, "rules", "run", "--rules", str(rules), "--as", "ed"],
        ["--db", db, "import", "--rules", str(rules), str(scrape)],
    ):
        code, _, err = run(capsys, *command)
        assert (code, err.splitlines(keepends=True)[0]) == (1, expected), command
        assert "Traceback" not in err


def test_a_rule_set_nested_too_deep_is_refused_by_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "deep.toml"
    rules.write_text('[[rule]]\nid = "b"\nkind = "burst"\nx = ' + "[" * 100_000, "utf-8")
    code, out, err = run(capsys, "rules", "check", str(rules))
    assert (code, out, err) == (1, "", f"{rules}:4: arrays and tables nested more than 32 deep\n")
