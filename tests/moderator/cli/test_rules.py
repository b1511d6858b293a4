"""``moderator rules``: check, use and test rule sets from the command line; the settings behind."""

from __future__ import annotations

import importlib
import io
import json
import sys
import types
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import pytest

from moderator import settings
from moderator.cli import main
from moderator.cli.rules import in_context
from moderator.rules.model import (
    CommentSnapshot,
    Hit,
    Rule,
    RuleConfigError,
    RuleContext,
    rule_kind,
)

COMMON = ("id", "description", "severity", "action", "enabled")


@rule_kind("t-cli-word")
@dataclass(frozen=True, kw_only=True)
class WordRule(Rule):
    """Hits on every occurrence of ``word``."""

    word: str = ""

    @classmethod
    def from_table(cls, table: Mapping[str, Any], *, base_dir: Path) -> Self:
        if not table.get("word"):
            raise RuleConfigError("word must not be empty", key="word")
        return cls(**{k: table[k] for k in COMMON if k in table}, word=table["word"])

    def check(self, comment: CommentSnapshot, context: RuleContext) -> list[Hit]:
        hits, start = [], comment.body.find(self.word)
        while start >= 0:
            end = start + len(self.word)
            hits.append(self.hit(f"{self.word!r} is listed", spans=((start, end),), term=self.word))
            start = comment.body.find(self.word, end)
        return hits


@rule_kind("t-cli-newcomer")
@dataclass(frozen=True, kw_only=True)
class NewcomerRule(Rule):
    """Behavioural: would hit every comment, so `rules test` must leave it out."""

    behavioural = True

    @classmethod
    def from_table(cls, table: Mapping[str, Any], *, base_dir: Path) -> Self:
        return cls(**{k: table[k] for k in COMMON if k in table})

    def check(self, comment: CommentSnapshot, context: RuleContext) -> list[Hit]:
        return [self.hit("first comment")]


@rule_kind("t-cli-optional")
@dataclass(frozen=True, kw_only=True)
class OptionalRule(Rule):
    @classmethod
    def from_table(cls, table: Mapping[str, Any], *, base_dir: Path) -> Self:
        return cls(**{k: table[k] for k in COMMON if k in table})

    def unavailable(self) -> str | None:
        return "install the test extra"

    def check(self, comment: CommentSnapshot, context: RuleContext) -> list[Hit]:
        raise AssertionError("never checked")


GOOD = """\
[ruleset]
name = "Test"

[[rule]]
id = "spam"
kind = "t-cli-word"
word = "spam"
severity = "high"
action = "hide"

[[rule]]
id = "new"
kind = "t-cli-newcomer"
severity = "low"
"""

BAD = """\
[[rule]]
id = "spam"
kind = "t-cli-word"
word = ""

[[rule]]
id = "x"
kind = "nope"
"""


@pytest.fixture(autouse=True)
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings in a temporary folder: tests never read or change the user's."""
    folder = tmp_path / "config"
    monkeypatch.setenv(settings.ENV_CONFIG_DIR, str(folder))
    try:
        importlib.import_module("moderator.rules.kinds")
    except ModuleNotFoundError:
        # The built-in kinds are written alongside this module; until they all exist, the
        # command line runs on the test kinds above alone.
        monkeypatch.setitem(sys.modules, "moderator.rules.kinds", types.ModuleType("kinds"))
    return folder


@pytest.fixture
def editor_desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A database whose desk ($MODERATOR_USER) is an editor: only editors change rule sets."""
    from moderator.domain import Role  # noqa: PLC0415
    from moderator.services.moderation import ensure_profile  # noqa: PLC0415
    from moderator.store.database import open_database  # noqa: PLC0415

    path = tmp_path / "desk.sqlite3"
    monkeypatch.setenv("MODERATOR_DB", str(path))
    monkeypatch.setenv("MODERATOR_USER", "ed")
    database = open_database(str(path))
    with database.transaction() as session:
        ensure_profile(session, "ed", role=Role.EDITOR)
        ensure_profile(session, "mo")
    database.close()
    return path


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = tmp_path / "good.toml"
    path.write_text(GOOD, encoding="utf-8")
    return path


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    path = tmp_path / "bad.toml"
    path.write_text(BAD, encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def version_of(path: Path) -> str:
    from moderator.rules.loader import load_rule_set  # noqa: PLC0415

    return load_rule_set(path).version


def test_check_summarises_a_good_file(capsys: pytest.CaptureFixture[str], good: Path) -> None:
    assert run(capsys, "rules", "check", str(good)) == (
        0,
        f"{good}: ok: 'Test', 2 rules (t-cli-word 1, t-cli-newcomer 1), "
        f"version {version_of(good)}\n",
        "",
    )


def test_check_lists_every_problem_and_fails(
    capsys: pytest.CaptureFixture[str], good: Path, bad: Path
) -> None:
    code, out, err = run(capsys, "rules", "check", str(bad), str(good))
    assert code == 1
    assert err.splitlines() == [
        f"{bad}:4: rule 'spam': word must not be empty",
        f"{bad}:8: unknown kind 'nope' (known: {known_kinds()})",
    ]
    assert out.startswith(f"{good}: ok: 'Test'")


def known_kinds() -> str:
    from moderator.rules.model import rule_kinds  # noqa: PLC0415

    return ", ".join(sorted(rule_kinds()))


def test_check_warns_of_unavailable_rules(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "ml.toml"
    path.write_text('[[rule]]\nid = "ml"\nkind = "t-cli-optional"\n', encoding="utf-8")
    code, out, err = run(capsys, "rules", "check", str(path))
    assert code == 0
    assert err == (
        f"{path}:1: warning: rule 'ml' is unavailable and will be skipped: install the test extra\n"
    )
    assert out.startswith(f"{path}: ok: 'ml', 1 rules (t-cli-optional 1)")


def test_rules_commands_never_open_a_database(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, good: Path
) -> None:
    database = tmp_path / "never.sqlite3"
    assert run(capsys, "--db", str(database), "rules", "check", str(good))[0] == 0
    assert run(capsys, "--db", str(database), "rules", "test", "--rules", str(good), "x")[0] == 0
    assert not database.exists()


def test_use_checks_then_remembers(
    capsys: pytest.CaptureFixture[str], good: Path, bad: Path, config: Path, editor_desk: Path
) -> None:
    assert settings.active_rule_set_path() == settings.DEFAULT_RULE_SET

    code, out, err = run(capsys, "rules", "use", str(bad))
    assert (code, out) == (1, "")
    assert err.startswith(f"{bad}:4: rule 'spam': word must not be empty\n")
    assert settings.active_rule_set_path() == settings.DEFAULT_RULE_SET
    assert not (config / settings.SETTINGS_FILE).exists()

    code, out, err = run(capsys, "rules", "use", str(good))
    assert (code, err) == (0, "")
    assert out == (
        f"now using {good.resolve()}: 'Test', 2 rules (t-cli-word 1, t-cli-newcomer 1), "
        f"version {version_of(good)}\n"
    )
    assert settings.active_rule_set_path() == good.resolve()

    # The active set is what `check` and `test` use when no file is named.
    assert run(capsys, "rules", "check")[1].startswith(f"{good.resolve()}: ok: 'Test'")
    assert "spam (high, hide)" in run(capsys, "rules", "test", "spam")[1]


def test_only_an_editor_changes_the_rule_set_and_it_is_logged(
    capsys: pytest.CaptureFixture[str], good: Path, editor_desk: Path
) -> None:
    from moderator.log.queries import LogFilter, stream_entries  # noqa: PLC0415
    from moderator.store.database import open_database  # noqa: PLC0415

    code, out, err = run(capsys, "rules", "use", str(good), "--as", "mo")
    assert (code, out) == (1, "")
    assert err == "moderator: changing the rule set needs the editor role; mo is a moderator\n"
    assert settings.active_rule_set_path() == settings.DEFAULT_RULE_SET
    assert run(capsys, "rules", "use", str(good))[0] == 0
    database = open_database(str(editor_desk))
    try:
        with database.session() as session:
            (chosen,) = stream_entries(session, LogFilter(action="rules-chosen"))
    finally:
        database.close()
    assert (chosen.actor, chosen.role, chosen.rule_set) == ("ed", "editor", version_of(good))


def test_use_default_goes_back(
    capsys: pytest.CaptureFixture[str], good: Path, editor_desk: Path
) -> None:
    builtin_kinds()
    settings.use_rule_set(good)
    code, out, _ = run(capsys, "rules", "use", "--default")
    assert code == 0
    assert out.startswith(f"now using {settings.DEFAULT_RULE_SET}: 'Default'")
    assert settings.active_rule_set_path() == settings.DEFAULT_RULE_SET


def test_use_needs_a_file_or_default(capsys: pytest.CaptureFixture[str], good: Path) -> None:
    with pytest.raises(SystemExit) as usage:
        main(["rules", "use"])
    assert usage.value.code == 2
    with pytest.raises(SystemExit) as usage:
        main(["rules", "use", str(good), "--default"])
    assert usage.value.code == 2
    with pytest.raises(SystemExit) as usage:
        main(["rules"])
    assert usage.value.code == 2


def test_test_shows_each_hit_in_context(capsys: pytest.CaptureFixture[str], good: Path) -> None:
    code, out, err = run(capsys, "rules", "test", "--rules", str(good), "Buy spam,\tcheap spam!")
    assert code == 0
    assert out == (
        "spam (high, hide): 'spam' is listed\n"
        "    Buy spam, cheap spam!\n"
        "        ^^^^\n"
        "spam (high, hide): 'spam' is listed\n"
        "    Buy spam, cheap spam!\n"
        "                    ^^^^\n"
        f"2 hits ('Test', version {version_of(good)})\n"
    )
    assert err == "moderator: behavioural rules need stored comments and were skipped: new\n"


def test_test_reads_standard_input(
    capsys: pytest.CaptureFixture[str], good: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for args in (["-"], []):
        monkeypatch.setattr(sys, "stdin", io.StringIO("no canned meat here\n"))
        code, out, _ = run(capsys, "rules", "test", "--rules", str(good), *args)
        assert (code, out) == (0, f"no hits ('Test', version {version_of(good)})\n")


def test_test_as_json(capsys: pytest.CaptureFixture[str], good: Path) -> None:
    code, out, _ = run(capsys, "rules", "test", "--rules", str(good), "--json", "spam")
    assert code == 0
    assert json.loads(out) == {
        "rule_set": {"name": "Test", "version": version_of(good), "source": str(good)},
        "hits": [
            {
                "rule_id": "spam",
                "severity": "high",
                "action": "hide",
                "explanation": "'spam' is listed",
                "spans": [[0, 4]],
                "matched": None,
                "normalized": None,
                "term": "spam",
                "measured": None,
                "threshold": None,
            }
        ],
        "unavailable": {},
        "skipped": ["new"],
    }


def test_test_with_a_bad_or_missing_rule_set(
    capsys: pytest.CaptureFixture[str], bad: Path, tmp_path: Path
) -> None:
    code, out, err = run(capsys, "rules", "test", "--rules", str(bad), "spam")
    assert (code, out) == (1, "")
    assert err.splitlines()[0] == f"{bad}:4: rule 'spam': word must not be empty"
    missing = tmp_path / "missing.toml"
    assert run(capsys, "rules", "test", "--rules", str(missing), "spam") == (
        1,
        "",
        f"{missing}: cannot read: No such file or directory\n",
    )


def test_a_damaged_settings_file_is_reported(
    capsys: pytest.CaptureFixture[str], config: Path
) -> None:
    config.mkdir()
    (config / settings.SETTINGS_FILE).write_text("{not json", encoding="utf-8")
    code, out, err = run(capsys, "rules", "test", "spam")
    assert (code, out) == (1, "")
    assert err.startswith(f"moderator: {config / settings.SETTINGS_FILE}: not a settings file")


# --- settings: the active rule set survives between commands ---


def test_settings_round_trip(config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert settings.config_dir() == config
    assert settings.active_rule_set_path() == settings.DEFAULT_RULE_SET
    monkeypatch.chdir(tmp_path)
    assert settings.use_rule_set(Path("mine.toml")) == tmp_path / "mine.toml"
    monkeypatch.chdir(config.parent.parent)
    assert settings.active_rule_set_path() == tmp_path / "mine.toml"
    assert settings.use_rule_set(None) == settings.DEFAULT_RULE_SET
    assert settings.active_rule_set_path() == settings.DEFAULT_RULE_SET


def test_settings_keep_keys_they_do_not_know(config: Path, tmp_path: Path) -> None:
    config.mkdir()
    (config / settings.SETTINGS_FILE).write_text('{"theme": "dark"}', encoding="utf-8")
    settings.use_rule_set(tmp_path / "mine.toml")
    stored = json.loads((config / settings.SETTINGS_FILE).read_text(encoding="utf-8"))
    assert stored == {"theme": "dark", "rule_set": str(tmp_path / "mine.toml")}
    assert [p.name for p in config.iterdir()] == [settings.SETTINGS_FILE]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[1, 2]", "not a settings file: expected a JSON object"),
        ('{"rule_set": 3}', "'rule_set' must be a file path"),
        ("{", "not a settings file: Expecting property name"),
    ],
)
def test_settings_refuse_what_they_cannot_read(config: Path, text: str, reason: str) -> None:
    config.mkdir()
    (config / settings.SETTINGS_FILE).write_text(text, encoding="utf-8")
    with pytest.raises(settings.SettingsError, match=f"^{config / settings.SETTINGS_FILE}: "):
        settings.active_rule_set_path()
    with pytest.raises(settings.SettingsError) as caught:
        settings.active_rule_set_path()
    assert reason in str(caught.value)


def test_without_an_override_settings_live_in_the_user_config_folder() -> None:
    assert settings.config_dir({}).name == "moderator"
    assert settings.config_dir({settings.ENV_CONFIG_DIR: "/tmp/x"}) == Path("/tmp/x")


# --- how a span is shown ---


@pytest.mark.parametrize(
    ("text", "span", "line", "marks"),
    [
        ("you are an idiot", (11, 16), "you are an idiot", "           ^^^^^"),
        ("line one\nid\u200biot", (9, 15), "line one id<U+200B>iot", "         ^^^^^^^^^^^^^"),
        ("全角 idiot", (3, 8), "全角 idiot", "     ^^^^^"),
        ("x" * 50 + "idiot" + "y" * 50, (50, 55), "…" + "x" * 30 + "idiot" + "y" * 30 + "…", None),
        ("", (0, 0), "", "^"),
    ],
)
def test_spans_are_marked_under_the_text(
    text: str, span: tuple[int, int], line: str, marks: str | None
) -> None:
    shown, carets = in_context(text, *span)
    assert shown == line
    if marks is not None:
        assert carets == marks
    else:
        assert carets == " " * 31 + "^^^^^"


def test_a_long_span_is_cut_in_the_middle() -> None:
    text = "a" * 100
    shown, carets = in_context(text, 0, 100)
    assert shown == "a" * 30 + "…" + "a" * 30
    assert carets == "^" * 61


def builtin_kinds() -> None:
    module = importlib.import_module("moderator.rules.kinds")
    if not hasattr(module, "__file__"):
        pytest.skip("the built-in kinds are not all written yet")
