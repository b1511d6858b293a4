"""``moderator log`` and ``moderator decisions``: verify, export, offline checks, bad input."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path

import pytest

from moderator.cli import main
from moderator.formats.log_export import LogFormat, side_file
from moderator.log.export import export_log
from moderator.log.queries import LogFilter
from moderator.resources import DEMO_ARTICLE
from moderator.store.database import open_database
from tests.moderator.cli.test_main import Cli


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    run = Cli(tmp_path / "db.sqlite3", capsys)
    code, _, err = run("import", str(DEMO_ARTICLE), "--as", "ann")
    assert code == 0, err
    assert run("hide", "3", "4", "--reason", "spam", "--as", "ann")[0] == 0
    # bob (the first editor, his profile's entry in his name) may send back ann's hide.
    assert run("profile", "bob", "--role", "editor", "--as", "bob")[0] == 0
    assert run("approve", "1", "--as", "bob")[0] == 0
    assert run("escalate", "5", "--note", '=HYPERLINK("evil")', "--as", "bob")[0] == 0
    assert run("restore", "4", "--as", "bob")[0] == 0
    return run


def test_show_tells_who_did_what_to_a_comment_and_why(cli: Cli) -> None:
    code, out, _ = cli("show", "4")
    assert code == 0
    history = [line.strip() for line in out.splitlines() if line.strip().startswith("entry ")]
    assert [line.split(": ", 1)[1] for line in history] == [
        "flag",
        "hide pending -> hidden, reason spam",
        "restore hidden -> pending",
    ]
    assert "ann (moderator)" in history[1]
    assert "bob (editor)" in history[2]
    (comment,) = cli.json("show", "4")["comments"]
    assert [entry["action"] for entry in comment["history"]] == ["flag", "hide", "restore"]
    assert all(len(entry["hash"]) == 64 for entry in comment["history"])


def test_verify_says_the_log_holds(cli: Cli) -> None:
    code, out, _ = cli("log", "verify")
    assert code == 0
    assert out.startswith("ok: the log holds: ")
    report = cli.json("log", "verify")
    assert report["ok"] is True
    assert report["entries"] == report["head_seq"] > 5
    assert report["problems"] == []


def test_verify_names_what_was_tampered_with(cli: Cli) -> None:
    raw = sqlite3.connect(cli.db)
    raw.execute("UPDATE log_entry SET reason = 'abuse' WHERE action = 'hide' AND actor = 'ann'")
    raw.execute("UPDATE comment SET status = 'approved' WHERE id = 2")
    raw.commit()
    raw.close()
    code, _, err = cli("log", "verify")
    assert code == 1
    assert "was changed after it was written" in err
    assert "changed without a log entry" in err
    assert ": 2" in err
    code, out, _ = cli("log", "verify", "--json")
    assert code == 1
    report = json.loads(out)
    assert report["ok"] is False
    assert report["out_of_step"] == [2]


@pytest.mark.parametrize("log_format", ["jsonl", "json"])
def test_an_export_verifies_offline(cli: Cli, tmp_path: Path, log_format: str) -> None:
    out_file = tmp_path / f"log.{log_format}"
    code, _, err = cli("log", "export", "--format", log_format, "--out", str(out_file))
    assert code == 0, err
    assert "the whole log" in err
    code, out, _ = main(["log", "verify", "--file", str(out_file)]), *cli.capsys.readouterr()
    assert code == 0
    assert "the whole chain" in out

    text = out_file.read_text(encoding="utf-8").replace('"actor":"bob"', '"actor":"eve"', 1)
    out_file.write_text(text, encoding="utf-8")
    code = main(["log", "verify", "--file", str(out_file)])
    _, err = cli.capsys.readouterr()
    assert code == 1
    assert f"{out_file}:" in err
    assert "was changed" in err


def test_filters_narrow_an_export(cli: Cli, tmp_path: Path) -> None:
    out_file = tmp_path / "bob.jsonl"
    code, _, err = cli(
        "log",
        "export",
        "--format",
        "jsonl",
        "--out",
        str(out_file),
        "--actor",
        "bob",
        "--since",
        "2000-01-01",
        "--until",
        "2200-12-31",
    )
    assert code == 0, err
    assert "a part of the log" in err
    lines = out_file.read_text(encoding="utf-8").splitlines()
    entries = [json.loads(line) for line in lines[:-1]]
    assert {entry["actor"] for entry in entries} == {"bob"}
    assert [entry["action"] for entry in entries] == ["profile", "approve", "escalate", "restore"]
    chain = json.loads(lines[-1])["chain"]
    assert chain["complete"] is False
    assert chain["filters"]["actor"] == "bob"
    assert chain["entries"] == 4
    code = main(["log", "verify", "--file", str(out_file)])
    out, _ = cli.capsys.readouterr()
    assert code == 0
    assert "a filtered export" in out

    hides = tmp_path / "hides.jsonl"
    cli(
        "log",
        "export",
        "--format",
        "jsonl",
        "--out",
        str(hides),
        "--action",
        "hide",
        "--reason",
        "spam",
    )
    assert len(hides.read_text(encoding="utf-8").splitlines()) == 3
    one = tmp_path / "one.jsonl"
    cli("log", "export", "--format", "jsonl", "--out", str(one), "--comment", "4")
    actions = [json.loads(line).get("action") for line in one.read_text().splitlines()[:-1]]
    assert actions == ["flag", "hide", "restore"]
    nothing = tmp_path / "nothing.jsonl"
    cli("log", "export", "--format", "jsonl", "--out", str(nothing), "--until", "2000-01-01")
    assert len(nothing.read_text(encoding="utf-8").splitlines()) == 1


def test_a_csv_export_is_safe_in_a_spreadsheet(cli: Cli, tmp_path: Path) -> None:
    out_file = tmp_path / "log.csv"
    code, _, err = cli("log", "export", "--format", "csv", "--out", str(out_file), "--bom")
    assert code == 0, err
    raw = out_file.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfseq,time,actor")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    escalation = next(row for row in rows if row["action"] == "escalate")
    assert escalation["note"] == '\'=HYPERLINK("evil")'
    assert escalation["escalated"] == "yes"
    chain = json.loads(side_file(out_file).read_text(encoding="utf-8"))["chain"]
    assert chain["entries"] == len(rows)
    assert chain["head_hash"] == rows[-1]["hash"]


def test_decisions_export_gives_each_comments_current_state(cli: Cli, tmp_path: Path) -> None:
    out_file = tmp_path / "decisions.jsonl"
    code, _, err = cli("decisions", "export", "--format", "jsonl", "--out", str(out_file))
    assert code == 0, err
    decisions = [json.loads(line) for line in out_file.read_text(encoding="utf-8").splitlines()]
    assert [(d["comment"], d["status"], d["reason"], d["decided_by"]) for d in decisions] == [
        (1, "approved", None, "bob"),
        (3, "hidden", "spam", "ann"),
        (4, "pending", None, "bob"),
    ]
    assert all(d["article_source"].endswith("harbour-ferry-fares.txt") for d in decisions)
    csv_file = tmp_path / "decisions.csv"
    assert cli("decisions", "export", "--format", "csv", "--out", str(csv_file))[0] == 0
    rows = list(csv.DictReader(csv_file.read_text(encoding="utf-8").splitlines()))
    assert [row["comment"] for row in rows] == ["1", "3", "4"]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["log", "export", "--format", "xml", "--out", "x"], "invalid choice"),
        (["log", "export", "--format", "csv"], "--out"),
        (["log", "export", "--format", "csv", "--out", "x", "--since", "yesterday"], "not a date"),
    ],
)
def test_bad_arguments_are_usage_errors(
    cli: Cli, args: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--db", str(cli.db), *args])
    assert stopped.value.code == 2
    assert said in capsys.readouterr().err


def test_an_export_to_a_folder_that_does_not_exist_fails_cleanly(cli: Cli, tmp_path: Path) -> None:
    code, _, err = cli("log", "export", "--format", "csv", "--out", str(tmp_path / "no" / "x.csv"))
    assert code == 1
    assert "No such file or directory" in err


def test_a_failed_export_leaves_no_file_and_keeps_the_old_one(cli: Cli, tmp_path: Path) -> None:
    out_file = tmp_path / "log.jsonl"
    out_file.write_text("the export before\n", encoding="utf-8")

    class BoomError(Exception):
        pass

    def fail(_done: int) -> None:
        raise BoomError

    database = open_database(str(cli.db))
    try:
        with database.session() as session, pytest.raises(BoomError):
            # Progress is reported every 5,000 entries: ask for it with a tiny batch instead.
            export_log(
                session,
                out_file,
                log_format=LogFormat.JSONL,
                log_filter=LogFilter(),
                progress=fail,
                progress_every=1,
            )
    finally:
        database.close()
    assert out_file.read_text(encoding="utf-8") == "the export before\n"
    left = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("db.sqlite3"))
    assert left == ["log.jsonl"]


def test_verifying_a_missing_export_names_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["log", "verify", "--file", str(tmp_path / "none.jsonl")]) == 1
    assert "none.jsonl" in capsys.readouterr().err
