"""`moderator rank ...` and `queue --order likely`, as a user drives them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.moderator.cli.test_main import Cli

RUDE = "you are an idiot and a liar"
POLITE = "thanks for the careful reporting"


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    run = Cli(tmp_path / "db.sqlite3", capsys)
    article = tmp_path / "article.txt"
    comments = "".join(
        f"Thumb reader{n} 1 May 2020, 10:{n:02d}\n\n{RUDE if n % 2 else POLITE} ({n})\n\n"
        for n in range(10)
    )
    article.write_text(f"Title\n\nBody.\n\nComments 10\n{comments}", encoding="utf-8")
    assert run("import", str(article), "--no-rules")[0] == 0
    assert run("profile", "ed", "--role", "editor", "--as", "ed")[0] == 0
    return run


def labels(tmp_path: Path) -> Path:
    path = tmp_path / "labels.csv"
    rows = "".join(f'"{RUDE} {n}",1\n"{POLITE} {n}",0\n' for n in range(30))
    path.write_text("text,label\n" + rows, encoding="utf-8")
    return path


def test_train_learn_and_the_likely_order(cli: Cli, tmp_path: Path) -> None:
    code, out, err = cli("rank", "status")
    assert (code, err) == (0, "")
    assert out.startswith("ranker: learning (0 decisions); 0 hidden, 0 kept: it scores from 60")
    code, out, _ = cli("rank", "train", "--from", str(labels(tmp_path)), "--as", "ed")
    assert code == 0
    assert out.strip() == (
        f"learnt 60 labelled comments (30 to hide) from {tmp_path / 'labels.csv'};"
        " 10 pending comments placed"
    )
    code, out, _ = cli("rank", "learn")
    assert code == 0
    assert out.strip().endswith("10 pending comments placed")
    rows = cli.json("queue", "--order", "likely")["comments"]
    assert [RUDE in row["body"] for row in rows] == [True] * 5 + [False] * 5
    assert all(row["score"] > 0.5 for row in rows[:5])
    code, out, _ = cli("rank", "explain", str(rows[0]["id"]))
    assert code == 0
    assert "likely to be hidden" in out
    assert '"idiot' in out or '"liar' in out
    assert '"a" ' not in out
    assert "…" not in out
    status = cli.json("rank", "status")
    assert (status["decisions"], status["scored_pending"], status["pending"]) == (60, 10, 10)
    assert (status["state"], status["ready"], status["hides"], status["kept"]) == (
        "ready (60 decisions)",
        True,
        30,
        30,
    )
    assert status["calibrated"] is True
    assert cli("rank", "status")[1].startswith("ranker: ready (60 decisions): the likely order")


def test_before_it_is_ready_it_says_so_and_scores_nothing(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "few.csv"
    path.write_text(f'text,label\n"{RUDE}",1\n"{POLITE}",0\n', encoding="utf-8")
    code, out, _ = cli("rank", "train", "--from", str(path), "--as", "ed")
    assert (code, out.strip().endswith("; 0 pending comments placed")) == (0, True)
    out = cli("rank", "status")[1]
    assert out.startswith("ranker: learning (2 decisions); 1 hidden, 1 kept: it scores from 60")
    assert cli.json("rank", "status")["calibrated"] is False
    rows = cli.json("queue", "--order", "likely")["comments"]
    assert all(row["score"] is None for row in rows)
    code, out, _ = cli("rank", "explain", str(rows[0]["id"]))
    assert (code, out.strip()) == (
        0,
        "the ranker is learning (2 decisions): no scores until it is ready"
        " (`moderator rank status`)",
    )


def test_only_an_editor_trains_or_resets_and_a_bad_file_names_its_line(
    cli: Cli, tmp_path: Path
) -> None:
    code, _, err = cli("rank", "train", "--from", str(labels(tmp_path)), "--as", "ann")
    assert code == 1
    assert "editor" in err
    bad = tmp_path / "bad.csv"
    bad.write_text("text,label\nfine,0\nnasty,maybe\n", encoding="utf-8")
    code, _, err = cli("rank", "train", "--from", str(bad), "--as", "ed")
    assert code == 1
    assert f"{bad}:3: label must be 1 (hide) or 0 (fine), not 'maybe'" in err
    assert json.loads(cli("rank", "status", "--json")[1])["decisions"] == 0
    assert cli("rank", "reset", "--as", "ann")[0] == 1
    code, out, _ = cli("rank", "reset", "--as", "ed")
    assert code == 0
    assert "starts over" in out


def test_comments_imported_after_training_take_their_place_at_once(
    cli: Cli, tmp_path: Path
) -> None:
    assert cli("rank", "train", "--from", str(labels(tmp_path)), "--as", "ed")[0] == 0
    later = tmp_path / "later.txt"
    later.write_text(
        "Later\n\nBody.\n\nComments 2\n"
        f"Thumb late1 2 May 2020, 10:00\n\n{POLITE} (late)\n\n"
        f"Thumb late2 2 May 2020, 10:01\n\n{RUDE} (late)\n",
        encoding="utf-8",
    )
    code, out, _ = cli("import", str(later), "--no-rules")
    assert code == 0
    assert "2 new comments placed in the likely order by the ranker" in out
    # Without `rank learn`: the rude newcomer is among the likeliest, not after every scored one.
    rows = cli.json("queue", "--order", "likely", "--limit", "0")["comments"]
    assert all(row["score"] is not None for row in rows)
    rude_late = next(row for row in rows if row["body"] == f"{RUDE} (late)")
    assert rows.index(rude_late) < 6


def test_an_import_before_the_ranker_is_ready_places_nothing(cli: Cli, tmp_path: Path) -> None:
    more = tmp_path / "more.txt"
    more.write_text(
        f"More\n\nBody.\n\nComments 1\nThumb x 2 May 2020, 10:00\n\n{RUDE}\n", encoding="utf-8"
    )
    code, out, _ = cli("import", str(more), "--no-rules")
    assert code == 0
    assert "placed" not in out
    assert all(row["score"] is None for row in cli.json("queue", "--limit", "0")["comments"])
