"""The command line as a user drives it: import, list, decide; exit codes and JSON."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from moderator.cli import main
from moderator.resources import DEMO_ARTICLE
from tests.conftest import fresh_pg_database

GOOD = (
    "Title {n}\n\nBody {n}.\n\nComments 2\n"
    "Thumb ann 1 May 2020, 10:00\n\nHi {n}.\n\n"
    "Missing bob 1 May 2020, 11:00\n\nYo.\n"
)


class Cli:
    """Runs ``moderator --db DB ...`` in-process and keeps what it printed."""

    def __init__(self, db: Path | str, capsys: pytest.CaptureFixture[str]) -> None:
        self.db = db
        self.capsys = capsys

    def __call__(self, *args: str) -> tuple[int, str, str]:
        code = main(["--db", str(self.db), *args])
        out, err = self.capsys.readouterr()
        return code, out, err

    def json(self, *args: str) -> Any:
        code, out, err = self(*args, "--json")
        assert code == 0, err
        return json.loads(out)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def cli(
    request: pytest.FixtureRequest, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> Iterator[Cli]:
    """The command line on a new SQLite file, then on a new PostgreSQL database."""
    if request.param == "postgresql":
        with fresh_pg_database(request.getfixturevalue("postgres_server")) as database:
            url = database.engine.url.render_as_string(hide_password=False)
            database.close()
            yield Cli(url, capsys)
        return
    yield Cli(tmp_path / "db.sqlite3", capsys)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "scrapes"
    (root / "nested").mkdir(parents=True)
    (root / "a.txt").write_text(GOOD.format(n=1), encoding="utf-8")
    (root / "nested" / "b.txt").write_text(GOOD.format(n=2), encoding="utf-8")
    (root / "notes.md").write_text("not an article", encoding="utf-8")
    return root


def test_the_seed_through_the_command_line(cli: Cli, seed_article: Path) -> None:
    code, out, err = cli("import", str(seed_article))
    assert code == 0, err
    assert "2 comments added" in out

    queue = cli.json("queue")["comments"]
    assert [(c["author"], c["posted_at"], c["status"]) for c in queue] == [
        ("lebnanfirst", "2013-06-17T22:15:00+00:00", "pending"),
        ("realist", "2013-06-18T00:45:00+00:00", "pending"),
    ]
    assert queue[0]["body"].count("\n\n") == 1


def test_json_field_names_are_stable(cli: Cli, folder: Path) -> None:
    cli("import", str(folder))
    (article, *_) = cli.json("articles")["articles"]
    assert set(article) == {
        "id", "title", "source", "imported_at", "comments", "pending", "approved", "hidden",
        "flagged", "flagged_pending",
    }  # fmt: skip
    comment = cli.json("queue", "--limit", "1")["comments"][0]
    assert set(comment) == {
        "id", "article_id", "article_title", "position", "author", "posted_at", "status",
        "escalated", "version", "score", "body", "flags",
    }  # fmt: skip


def test_folders_import_recursively_and_a_bad_file_spoils_only_itself(
    cli: Cli, folder: Path
) -> None:
    (folder / "nested" / "bad.txt").write_text(
        "T\n\nBody.\n\nComments 1\nThumb a 31 February 2013, 22:15\n\nx\n", encoding="utf-8"
    )
    code, _, err = cli("import", str(folder))

    assert code == 1
    assert f"{folder / 'nested' / 'bad.txt'}:6: impossible date" in err
    assert "nothing imported from this file" in err
    titles = sorted(a["title"] for a in cli.json("articles")["articles"])
    assert titles == ["Title 1", "Title 2"]
    assert "T" not in titles
    assert len(cli.json("queue", "--status", "all")["comments"]) == 4


def test_a_decision_on_what_changed_since_it_was_seen_exits_1_saying_who(
    cli: Cli, folder: Path
) -> None:
    cli("import", str(folder))
    comment = cli.json("queue", "--limit", "1")["comments"][0]
    seen = f"{comment['id']}={comment['version']}"
    assert f"version {comment['version']}" in cli("show", str(comment["id"]))[1]
    assert cli("hide", str(comment["id"]), "--reason", "spam", "--as", "ann")[0] == 0

    code, out, err = cli("approve", str(comment["id"]), "--seen", seen, "--as", "bob")

    assert (code, out) == (1, "")
    assert f"comment {comment['id']} is already hidden (by ann at " in err
    assert "it changed while you had it open, so nothing was decided" in err
    (shown,) = cli.json("show", str(comment["id"]))["comments"]
    assert shown["status"] == "hidden"
    # Seen as it is now, a decision goes through (a restore: ann sends her own hide back; bob
    # may not, as it is someone else's decision).
    now = f"{comment['id']}={shown['version']}"
    assert cli("restore", str(comment["id"]), "--seen", now, "--as", "ann")[0] == 0


def test_reimport_is_idempotent(cli: Cli, folder: Path) -> None:
    cli("import", str(folder))
    code, out, _ = cli("import", str(folder))
    assert code == 0
    assert out.count("0 comments added, 2 already present") == 2
    assert len(cli.json("queue")["comments"]) == 4


def test_a_truncated_scrape_warns_and_imports(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "short.txt"
    path.write_text(GOOD.format(n=1).replace("Comments 2", "Comments 9"), encoding="utf-8")
    code, _, err = cli("import", str(path))
    assert code == 0
    assert f"{path}:5: warning: 'Comments 9' but 2 found" in err


def test_decisions_from_the_command_line(cli: Cli, folder: Path) -> None:
    cli("import", str(folder))
    first, second, third, _ = (c["id"] for c in cli.json("queue")["comments"])

    assert cli("approve", str(first), "--as", "maria")[0] == 0
    change = cli.json("hide", str(second), str(third), "--reason", "spam", "--note", "link farm")
    assert [c["to_status"] for c in change["comments"]] == ["hidden", "hidden"]
    assert change["actor"]
    assert cli("escalate", str(first), "--note", "legal?")[0] == 0

    shown = {c["id"]: c for c in cli.json("queue", "--status", "all")["comments"]}
    assert shown[first]["status"] == "approved"
    assert shown[first]["escalated"] is True
    assert shown[second]["status"] == "hidden"
    assert [c["id"] for c in cli.json("queue", "--status", "hidden")["comments"]] == [second, third]

    assert cli("restore", str(second))[0] == 0
    assert cli.json("show", str(second))["comments"][0]["status"] == "pending"


def test_bad_input_exits_1_with_a_message(cli: Cli, folder: Path) -> None:
    cli("import", str(folder))
    (first, *_) = (c["id"] for c in cli.json("queue")["comments"])
    cli("approve", str(first))

    code, _, err = cli("approve", str(first))
    assert code == 1
    assert err.startswith(f"moderator: comment {first} is already approved (by ")
    assert err.strip().endswith(" UTC); cannot approve it")
    code, _, err = cli("hide", "4242", "--reason", "spam")
    assert (code, err.strip()) == (1, "moderator: no comment with id 4242")
    code, _, err = cli("hide", str(first), "--reason", "other")
    assert code == 1
    assert "needs a note" in err


@pytest.mark.parametrize(
    "args",
    [
        ["hide", "1"],
        ["approve"],
        ["queue", "--status", "weird"],
        ["queue", "--limit", "-1"],
        ["nope"],
        ["approve", "1", "--seen", "1"],
        ["approve", "1", "--seen", "x=3"],
    ],
)
def test_usage_errors_exit_2(cli: Cli, args: list[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        cli(*args)
    assert caught.value.code == 2


def test_the_environment_chooses_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MODERATOR_DB", str(tmp_path / "env.sqlite3"))
    assert main(["import", str(DEMO_ARTICLE)]) == 0
    assert (tmp_path / "env.sqlite3").exists()
    capsys.readouterr()


def test_queue_filters_by_article_and_pages(cli: Cli, folder: Path) -> None:
    cli("import", str(folder))
    articles = {a["title"]: a["id"] for a in cli.json("articles")["articles"]}
    only = cli.json("queue", "--article", str(articles["Title 2"]))["comments"]
    assert {c["article_title"] for c in only} == {"Title 2"}
    assert [c["position"] for c in only] == [1, 2]

    page = cli.json("queue", "--limit", "1", "--offset", "1")["comments"]
    assert len(page) == 1
    assert page[0]["id"] == cli.json("queue")["comments"][1]["id"]

    code, out, err = cli("queue", "--limit", "2")
    assert code == 0
    assert "showing 1-2; more with --offset 2" in err
    assert "more with" not in cli("queue", "--limit", "4")[2]
    assert out.splitlines()[0].split() == [
        "ID",
        "ARTICLE",
        "POSTED",
        "STATUS",
        "FLAGS",
        "AUTHOR",
        "COMMENT",
    ]


def test_no_files_found_is_an_error(cli: Cli, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = cli("import", str(empty))
    assert code == 1
    assert "no files to import (*.txt, *.xml) found in the paths given" in err


def test_gui_without_a_window_says_so(cli: Cli) -> None:
    code, _, err = cli("gui")
    assert code == 1
    assert "window is not available" in err


def test_gui_is_the_default_command(tmp_path: Path) -> None:
    seen: list[str | None] = []
    assert main(["--db", str(tmp_path / "x.sqlite3")], gui=lambda db: seen.append(db) or 0) == 0
    assert seen == [str(tmp_path / "x.sqlite3")]


@pytest.mark.parametrize(
    ("db", "message"),
    [
        ("README", "is not a SQLite database"),
        ("bogus://x", "no database driver for 'bogus'"),
        ("postgresql+nosuchdriver://u@h/db", "no database driver"),
    ],
)
def test_unusable_databases_are_reported_not_raised(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], db: str, message: str
) -> None:
    if db == "README":
        (tmp_path / "README").write_text("# not a database\n" * 200, encoding="utf-8")
        db = str(tmp_path / "README")
    assert main(["--db", db, "articles"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("moderator: ")
    assert message in err
    assert "Traceback" not in err


def test_absurd_ids_are_usage_errors(cli: Cli) -> None:
    with pytest.raises(SystemExit) as caught:
        cli("approve", "99999999999999999999999")
    assert caught.value.code == 2
    with pytest.raises(SystemExit):
        cli("approve", "0")


def test_a_database_failure_midway_reports_what_was_imported(
    cli: Cli, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError  # noqa: PLC0415

    from moderator.services import staging  # noqa: PLC0415

    real = staging.stage_part
    calls = []

    def failing_second(
        session: Any, plan: Any, index: int, incoming: Any, *a: Any, **k: Any
    ) -> Any:
        calls.append(incoming.title)
        if len(calls) == 2:
            raise OperationalError("INSERT", {}, Exception("disk I/O error"))
        return real(session, plan, index, incoming, *a, **k)

    monkeypatch.setattr(staging, "stage_part", failing_second)
    code, out, err = cli("import", str(folder))
    assert code == 1
    assert "Title 1" in out
    assert "Title 2" not in out
    assert "The database refused it: disk I/O error. Nothing of it was saved." in err
    assert "the files listed above were imported" in err
    monkeypatch.setattr(staging, "stage_part", real)
    assert [a["title"] for a in cli.json("articles")["articles"]] == ["Title 1"]


def test_decisions_are_made_as_the_name_chosen_in_the_window(
    cli: Cli, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moderator import settings  # noqa: PLC0415

    monkeypatch.delenv("MODERATOR_USER", raising=False)
    settings.use_profile_name("Maria Lopez")
    cli("import", str(folder))
    first = cli.json("queue", "--limit", "1")["comments"][0]["id"]
    assert cli.json("approve", str(first))["actor"] == "Maria Lopez"
    # $MODERATOR_USER still says who is at the desk when set.
    monkeypatch.setenv("MODERATOR_USER", "night shift")
    # (An escalation: sending back Maria's approval would take an editor.)
    assert cli.json("escalate", str(first))["actor"] == "night shift"


# --- roles and names, as a determined user tries them ----------------------------------------


@pytest.fixture
def team(cli: Cli, folder: Path) -> Cli:
    """Two articles imported by "mo"; "ed" the first editor; moderators "mo" and "mo2"."""
    assert cli("import", str(folder), "--as", "mo")[0] == 0
    assert cli("profile", "ed", "--role", "editor", "--as", "ed")[0] == 0
    assert cli("profile", "mo2", "--role", "moderator", "--as", "mo2")[0] == 0
    return cli


def test_only_an_editor_changes_a_role(team: Cli) -> None:
    code, out, err = team("profile", "ed", "--role", "moderator", "--as", "mo")
    assert (code, out) == (1, "")
    assert "making ed a moderator needs the editor role; mo is a moderator" in err
    code, _, err = team("profile", "mo", "--role", "editor", "--as", "mo")
    assert code == 1
    assert "needs the editor role" in err
    # The editor steps down; with no editor left, nobody names themselves the first again.
    assert team("profile", "ed", "--role", "moderator", "--as", "ed")[0] == 0
    code, _, err = team("profile", "mo", "--role", "editor", "--as", "mo")
    assert code == 1
    assert "this database has had an editor" in err
    assert team("log", "verify")[0] == 0


def test_the_role_entry_names_who_changed_whose_role(team: Cli, tmp_path: Path) -> None:
    assert team("profile", "mo", "--role", "editor", "--as", "ed")[0] == 0
    out = tmp_path / "log.jsonl"
    assert team("log", "export", "--format", "jsonl", "--out", str(out))[0] == 0
    entries = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()[:-1]]
    last = [entry for entry in entries if entry["action"] == "profile"][-1]
    assert (last["actor"], last["role"]) == ("ed", "editor")
    assert last["note"] == "mo: role changed from moderator to editor"
    assert last["evidence"] == {"profile": "mo", "role": "editor", "previous_role": "moderator"}


def test_a_moderator_cannot_overturn_another_in_two_steps(team: Cli) -> None:
    first = team.json("queue", "--limit", "1")["comments"][0]["id"]
    assert team("hide", str(first), "--reason", "spam", "--as", "mo")[0] == 0
    code, _, err = team("restore", str(first), "--as", "mo2")
    assert code == 1
    assert f"changing mo's decision on comment {first} needs the editor role" in err
    assert team("approve", str(first), "--as", "mo2")[0] == 1
    assert team.json("show", str(first))["comments"][0]["status"] == "hidden"
    assert team("restore", str(first), "--as", "ed")[0] == 0


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("system", "the name 'system' is reserved"),
        ("System ", "the name 'System' is reserved"),
        ("ed\u200b", "'ed<U+200B>' has an invisible character (U+200B ZERO WIDTH SPACE)"),
        ("ed\u202e", "has a bidirectional control character (U+202E RIGHT-TO-LEFT OVERRIDE)"),
        ("e\x1bd", "has a control character (U+001B)"),
        ("\u0435d", "looks like the existing profile 'ed' (it has U+0435 CYRILLIC SMALL"),
    ],
)
def test_names_that_pass_for_someone_else_are_refused(team: Cli, name: str, said: str) -> None:
    first = team.json("queue", "--limit", "1")["comments"][0]["id"]
    code, out, err = team("approve", str(first), "--as", name)
    assert (code, out) == (1, "")
    assert said in err
    assert team.json("show", str(first))["comments"][0]["status"] == "pending"


def test_moderator_user_is_held_to_the_same_names(
    team: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODERATOR_USER", "system")
    first = team.json("queue", "--limit", "1")["comments"][0]["id"]
    code, _, err = team("approve", str(first))
    assert code == 1
    assert "reserved" in err


def test_a_name_typed_decomposed_is_stored_composed(team: Cli) -> None:
    first = team.json("queue", "--limit", "1")["comments"][0]["id"]
    assert team.json("approve", str(first), "--as", "Jos\u0065\u0301")["actor"] == "Jos\u00e9"


def test_a_locked_article_skips_a_reimports_new_comments_and_says_so(
    team: Cli, folder: Path
) -> None:
    assert team("lock", "1", "--as", "ed")[0] == 0
    scrape = folder / "a.txt"
    scrape.write_text(
        scrape.read_text(encoding="utf-8").replace("Comments 2", "Comments 3")
        + "\nThumb cat 2 May 2020, 10:00\n\nLate.\n",
        encoding="utf-8",
    )
    code, out, err = team("import", str(scrape), "--as", "mo")
    assert code == 0, err
    assert "0 comments added, 2 already present, 1 skipped (locked)" in out
    assert "is locked by an editor: its 1 new comments were not imported" in err
    assert [c["body"] for c in team.json("queue", "--article", "1")["comments"]] == [
        "Hi 1.",
        "Yo.",
    ]


def test_articles_come_a_page_at_a_time(cli: Cli, folder: Path) -> None:
    assert cli("import", str(folder))[0] == 0
    every = [a["title"] for a in cli.json("articles", "--limit", "0")["articles"]]
    assert sorted(every) == ["Title 1", "Title 2"]

    code, out, err = cli("articles", "--limit", "1")
    assert code == 0
    assert every[0] in out
    assert every[1] not in out
    assert "showing 1-1; more with --offset 1" in err
    assert cli.json("articles", "--limit", "1")["next_offset"] == 1
    second = cli.json("articles", "--limit", "1", "--offset", "1")
    assert [a["title"] for a in second["articles"]] == every[1:]
    assert second["next_offset"] is None
    # The queue's JSON says where its next page starts the same way.
    assert cli.json("queue", "--limit", "1")["next_offset"] == 1
    assert cli.json("queue", "--limit", "0")["next_offset"] is None
    code, out, err = cli("articles", "--offset", "2")
    assert (code, err.strip()) == (0, "no articles here")
