"""Files given to the command line that are odd: names that are not UTF-8, FIFOs, devices,
files that vanish, folders that cannot be searched; each refused by name, the rest imported."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from moderator import settings
from moderator.services import staging
from moderator.store.database import open_database
from moderator.store.models import Article
from tests.moderator.cli.test_inputs import child, posix_only
from tests.moderator.cli.test_main import GOOD, Cli
from tests.moderator.formats.test_platform_xml import WXR_HEAD, wxr_comment, wxr_item


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(tmp_path / "db.sqlite3", capsys)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "scrapes"
    (root / "sub").mkdir(parents=True)
    for n, name in enumerate(["a.txt", "sub/b.txt", "z.txt"], 1):
        (root / name).write_text(GOOD.format(n=n), encoding="utf-8")
    return root


def stored_sources(db: Path) -> list[str]:
    database = open_database(str(db))
    try:
        with database.session() as session:
            return list(session.scalars(select(Article.source).order_by(Article.id)))
    finally:
        database.close()


@pytest.mark.skipif(sys.platform == "win32", reason="Windows names are UTF-16, never bytes")
def test_a_file_name_that_is_not_utf_8_is_imported_and_shown_escaped(
    cli: Cli, folder: Path
) -> None:
    odd = Path(os.fsdecode(os.fsencode(folder) + b"/m\xff.txt"))
    odd.write_text(GOOD.format(n=9), encoding="utf-8")
    code, out, err = cli("import", str(folder), "--no-rules")
    assert code == 0, err
    shown = f"{folder}/m\\xff.txt"
    assert f"{shown}: new article #" in out
    assert [line.split(":")[0] for line in out.splitlines()] == [
        f"{folder}/a.txt",
        shown,
        f"{folder}/sub/b.txt",
        f"{folder}/z.txt",
    ]
    assert stored_sources(Path(cli.db))[-4:] == [
        f"{folder}/a.txt",
        shown,
        f"{folder}/sub/b.txt",
        f"{folder}/z.txt",
    ]
    # Broken, it is refused by that name too, and the files after it are still read.
    odd.write_text("Title\n\nBody\n\nComments 1\nnot a header\n", encoding="utf-8")
    (folder / "z.txt").write_text(GOOD.format(n=10), encoding="utf-8")
    code, out, err = cli("import", str(folder), "--no-rules")
    assert code == 1
    assert f"{shown}:6: " in err
    assert f"{folder}/z.txt: new article #" in out


def test_an_export_deleted_during_the_run_is_reported_and_the_run_goes_on(
    cli: Cli, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    export = folder / "m.xml"
    export.write_text(WXR_HEAD + wxr_item("Site", wxr_comment(1, "hi")) + "</channel></rss>")
    real = staging.stage_part

    def deleting_the_export(*args: object, **kwargs: object) -> object:
        # Once the first file is being stored, the export (already looked at) is gone.
        export.unlink(missing_ok=True)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(staging, "stage_part", deleting_the_export)
    code, out, err = cli("import", str(folder), "--no-rules")
    assert code == 1
    assert (
        f"{export}: not found (no such file, or it vanished before it was read)"
        " (nothing imported from this file)\n"
    ) in err
    assert "Errno" not in err
    assert [line.split(":")[0] for line in out.splitlines()] == [
        f"{folder}/a.txt",
        f"{folder}/sub/b.txt",
        f"{folder}/z.txt",
    ]
    assert err.endswith("3 imported, 1 failed, 6 comments added\n")


def test_a_folder_that_cannot_be_searched_is_reported_and_fails_the_run(
    cli: Cli, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = os.scandir
    locked = folder / "sub"

    def scandir(path: str | Path) -> Iterator[os.DirEntry[str]]:
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    code, out, err = cli("import", str(folder), "--no-rules")
    assert code == 1
    assert (
        f"{locked}: the folder could not be searched (permission denied): no file in it was read"
    ) in err
    assert [line.split(":")[0] for line in out.splitlines()] == [
        f"{folder}/a.txt",
        f"{folder}/z.txt",
    ]


@posix_only
def test_a_fifo_or_a_device_given_by_name_is_refused_and_the_rest_imported(
    tmp_path: Path, folder: Path
) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    db = tmp_path / "child.sqlite3"
    done = child(
        db,
        "import",
        "--no-rules",
        str(fifo),
        "/dev/zero",
        str(folder / "a.txt"),
        # A read of /dev/zero would grow until the machine's memory ran out: bounded here.
        preexec_fn=_at_most_4_gb,
    )
    err = done.stderr.decode()
    assert done.returncode == 1, err
    assert f"{fifo}: not a regular file (a FIFO) (nothing imported from this file)" in err
    assert "/dev/zero: not a regular file (a character device)" in err
    assert done.stdout.decode().startswith(f"{folder}/a.txt: new article #1")


def _at_most_4_gb() -> None:
    import resource  # noqa: PLC0415 - POSIX only, and only in the child

    resource.setrlimit(resource.RLIMIT_AS, (4 * 1024**3, 4 * 1024**3))


def odd_name(folder: Path, name: bytes) -> Path:
    return Path(os.fsdecode(os.fsencode(folder) + b"/" + name))


@pytest.fixture
def editor_cli(cli: Cli, folder: Path) -> Cli:
    assert cli("import", str(folder), "--no-rules")[0] == 0
    assert cli("profile", "ed", "--role", "editor", "--as", "ed")[0] == 0
    return cli


@pytest.mark.skipif(sys.platform == "win32", reason="Windows names are UTF-16, never bytes")
def test_a_rule_set_whose_name_is_not_utf_8_runs_and_is_logged(
    editor_cli: Cli, tmp_path: Path
) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(settings.DEFAULT_RULE_SET.parent, rules)
    odd = odd_name(rules, b"r\xff.toml")
    (rules / settings.DEFAULT_RULE_SET.name).rename(odd)
    code, out, err = editor_cli("rules", "run", "--rules", str(odd), "--as", "ed")
    assert code == 0, err
    assert out.startswith("6 comments checked with 'Default'")
    code, out, err = editor_cli("log", "verify")
    assert (code, err) == (0, "")
    # Chosen as the active set it could not be found again by its name: refused, untouched.
    with pytest.raises(SystemExit):
        editor_cli("rules", "use", str(odd), "--as", "ed")
    assert "argument FILE: the file's name is not valid UTF-8 text" in (
        editor_cli.capsys.readouterr().err
    )
    assert settings.active_rule_set_path() == settings.DEFAULT_RULE_SET


@pytest.mark.skipif(sys.platform == "win32", reason="Windows names are UTF-16, never bytes")
def test_a_labelled_file_whose_name_is_not_utf_8_trains_the_ranker(
    editor_cli: Cli, tmp_path: Path
) -> None:
    odd = odd_name(tmp_path, b"l\xff.csv")
    odd.write_text("text,label\nyou idiot,1\nthank you,0\n", encoding="utf-8")
    code, out, err = editor_cli("rank", "train", "--from", str(odd), "--as", "ed")
    assert code == 0, err
    assert out.startswith(f"learnt 2 labelled comments (1 to hide) from {tmp_path}/l\\xff.csv;")
    assert editor_cli("log", "verify")[0] == 0


@pytest.mark.skipif(sys.platform == "win32", reason="Windows names are UTF-16, never bytes")
def test_an_export_to_a_name_that_is_not_utf_8_names_it_escaped(
    editor_cli: Cli, tmp_path: Path
) -> None:
    odd = odd_name(tmp_path, b"o\xff.csv")
    code, _, err = editor_cli("log", "export", "--format", "csv", "--out", str(odd))
    assert code == 0, err
    shown = f"{tmp_path}/o\\xff.csv"
    assert f" written to {shown} (chain summary in {shown}.chain.json): the whole log" in err
    assert odd.exists()
    head = odd_name(tmp_path, b"h\xff.json")
    code, _, err = editor_cli("log", "head", "--out", str(head))
    assert code == 0, err
    assert f"written to {tmp_path}/h\\xff.json: keep it" in err


@pytest.mark.skipif(sys.platform == "win32", reason="Windows names are UTF-16, never bytes")
def test_a_refused_labelled_file_or_export_is_named_escaped(
    editor_cli: Cli, tmp_path: Path
) -> None:
    # They were named with a marker for the lone surrogate (⟨U+DCFF⟩), not as other paths are.
    odd = odd_name(tmp_path, b"bad\xff.csv")
    odd.write_text("text,label\nyou idiot,7\n", encoding="utf-8")
    code, _, err = editor_cli("rank", "train", "--from", str(odd), "--as", "ed")
    assert code == 1
    assert f"{tmp_path}/bad\\xff.csv:2: label must be 1 (hide) or 0 (fine)" in err
    export = odd_name(tmp_path, b"log\xff.jsonl")
    export.write_text("not an export\n", encoding="utf-8")
    code, _, err = editor_cli("log", "verify", "--file", str(export))
    assert code == 1
    assert f"{tmp_path}/log\\xff.jsonl:1: " in err
