"""The command line starts light: each command loads what it needs when it runs, and a read
command needs neither Alembic, numpy, RE2, the rules, the ranker nor Qt.

Each check runs in a fresh interpreter, since this test process has loaded everything already.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from moderator.cli import main
from moderator.resources import DEMO_ARTICLE

# What a read command must not pay for: migrations, arrays, the regex engine, the rules and the
# ranker, the window, and SQLAlchemy's PostgreSQL dialect on a SQLite desk.
HEAVY = (
    "alembic",
    "numpy",
    "re2",
    "PySide6",
    "pyqtgraph",
    "defusedxml",
    "moderator.rules",
    "moderator.ranking",
    "moderator.imports",
    "moderator.insights",
    "moderator.runs",
    "moderator.log.export",
    "moderator.services",
    "sqlalchemy.dialects.postgresql",
)

_LOADED = """
import contextlib, io, json, sys
{run}
heavy = {heavy!r}
print(json.dumps(sorted(m for m in sys.modules if m.startswith(heavy))))
"""


def _loaded_heavy(run: str) -> list[str]:
    script = _LOADED.format(run=run, heavy=HEAVY)
    completed = subprocess.run(  # noqa: S603 - this interpreter with our own script
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    loaded: list[str] = json.loads(completed.stdout.splitlines()[-1])
    return loaded


def test_importing_the_command_line_loads_nothing_heavy() -> None:
    assert _loaded_heavy("import moderator.cli") == []


def test_the_console_script_loads_nothing_heavy_before_a_command() -> None:
    assert _loaded_heavy("import ui.launch, moderator.cli.main") == []


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("startup") / "demo.sqlite3"
    assert main(["--db", str(path), "import", str(DEMO_ARTICLE)]) == 0
    assert main(["--db", str(path), "escalate", "11", "--note", "a phone number"]) == 0
    return path


@pytest.mark.parametrize(
    "command",
    [
        ["queue", "--limit", "50"],
        ["queue", "--article", "1", "--status", "all", "--order", "severity"],
        ["queue", "--flagged", "--json"],
        ["articles"],
        ["articles", "--json"],
        ["show", "3", "11"],
        ["threads"],
        ["thread", "1"],
    ],
    ids=" ".join,
)
def test_a_read_command_loads_nothing_heavy(demo_db: Path, command: list[str]) -> None:
    arguments = ["--db", str(demo_db), *command]
    run = (
        "from moderator.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        f"    code = main({arguments!r})\n"
        "assert code == 0 and out.getvalue(), code\n"
    )
    assert _loaded_heavy(run) == []


def test_a_command_that_needs_the_rules_still_loads_them(demo_db: Path) -> None:
    # The check above could pass by loading nothing at all: a command that needs more gets it.
    run = (
        "from moderator.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    code = main(['rules', 'test', 'you are an idiot'])\n"
        "assert code == 0, code\n"
    )
    assert "moderator.rules" in _loaded_heavy(run)
