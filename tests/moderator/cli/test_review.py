"""The editors' commands: roles refused with exit status 1, threads ranked, a thread as a tree,
escalations resolved, articles locked, notes left."""

from __future__ import annotations

from pathlib import Path

import pytest

from moderator.resources import DEMO_ARTICLE
from tests.moderator.cli.test_main import Cli


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    cli = Cli(tmp_path / "db.sqlite3", capsys)
    code, _, err = cli("import", str(DEMO_ARTICLE), "--as", "mo")
    assert code == 0, err
    assert cli("profile", "ed", "--role", "editor", "--as", "ed")[0] == 0  # the first editor
    assert cli("escalate", "5", "--note", "legal?", "--as", "mo")[0] == 0
    return cli


def test_a_moderator_is_refused_editor_commands_with_the_role_named(cli: Cli) -> None:
    for args in (
        ("resolve", "5", "--outcome", "overturn", "--note", "fine"),
        ("lock", "1"),
        ("profile", "mo2", "--role", "editor"),
        ("approve", "5"),
    ):
        code, out, err = cli(*args, "--as", "mo")
        assert (code, out) == (1, ""), args
        assert "needs the editor role; mo is a moderator" in err, args
    assert cli.json("show", "5")["comments"][0]["escalated"] is True


def test_threads_rank_the_troubled_articles(cli: Cli) -> None:
    code, out, _ = cli("threads")
    assert code == 0
    assert "1 escalated · 4 flagged (medium)" in out
    (thread,) = cli.json("threads")["threads"]
    assert (thread["article_id"], thread["escalated"], thread["flagged"]) == (1, 1, 4)


def test_a_thread_shows_every_comment_with_its_marks(cli: Cli) -> None:
    code, out, _ = cli("thread", "1")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 12
    assert lines[4].startswith("#5 Gran from the Island [pending, ESCALATED]")
    assert "insults (medium)" in lines[2]
    comments = cli.json("thread", "1")["comments"]
    assert [(c["id"], c["depth"]) for c in comments][:2] == [(1, 0), (2, 0)]
    assert cli("thread", "99")[0] == 1


def test_an_editor_resolves_locks_and_notes(cli: Cli) -> None:
    code, out, _ = cli(
        "resolve", "5", "--outcome", "uphold", "--note", "libel", "--reason", "abuse", "--as", "ed"
    )
    assert (code, out) == (0, "comment 5: uphold, pending -> hidden\n")
    assert cli("lock", "1", "--note", "legal hold", "--as", "ed")[1] == "article 1: locked\n"
    code, _, err = cli("approve", "1", "--as", "ed")
    assert code == 1
    assert "is locked by an editor" in err
    assert cli("unlock", "1", "--as", "ed")[0] == 0
    assert cli("note", "--comment", "3", "asked legal", "--as", "mo")[0] == 0
    assert cli("note", "--author", "cheaptickets4u", "spammer", "--as", "mo")[0] == 0
    code, _, err = cli("note", "--author", "nobody", "x", "--as", "mo")
    assert (code, "no author called 'nobody'" in err) == (1, True)
    history = cli.json("show", "5")["comments"][0]["history"]
    assert [(e["action"], e["actor"]) for e in history][-2:] == [
        ("escalate", "mo"),
        ("uphold", "ed"),
    ]
    assert history[-1]["note"] == "libel (escalated by mo)"
    code, out, _ = cli("log", "verify")
    assert code == 0


def test_resolve_needs_its_arguments(cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    from moderator.cli import main  # noqa: PLC0415

    with pytest.raises(SystemExit) as usage:
        main(["--db", str(cli.db), "resolve", "5", "--outcome", "uphold"])
    assert usage.value.code == 2
    assert "--note" in capsys.readouterr().err
    code, _, err = cli("resolve", "5", "--outcome", "uphold", "--note", "x", "--as", "ed")
    assert code == 1
    assert "needs a reason" in err
