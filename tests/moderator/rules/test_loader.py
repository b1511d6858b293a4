"""Rule-set files: what loads, every problem as FILE:LINE: reason, and the content version."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import pytest
import re2
from hypothesis import given
from hypothesis import strategies as st

from moderator.domain import Severity
from moderator.rules.loader import LoadError, Problem, load_rule_set, read_rule_set
from moderator.rules.model import (
    CommentSnapshot,
    Hit,
    Rule,
    RuleAction,
    RuleConfigError,
    RuleContext,
    rule_kind,
    rule_kinds,
)

COMMON = ("id", "description", "severity", "action", "enabled")


def common(table: Mapping[str, Any]) -> dict[str, Any]:
    return {key: table[key] for key in COMMON if key in table}


# Test-only kinds, so that these tests never depend on the real kinds' keys or messages.
@rule_kind("t-count")
@dataclass(frozen=True, kw_only=True)
class CountRule(Rule):
    """Hits when the body has at least ``threshold`` characters."""

    threshold: int = 3

    @classmethod
    def from_table(cls, table: Mapping[str, Any], *, base_dir: Path) -> Self:
        threshold = table.get("threshold", 3)
        if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
            raise RuleConfigError(
                f"threshold must be a whole number from 1, not {threshold}", key="threshold"
            )
        if table.get("description") == "refuse the table":
            raise RuleConfigError("this table is refused as a whole")
        return cls(**common(table), threshold=threshold)

    def check(self, comment: CommentSnapshot, context: RuleContext) -> list[Hit]:
        if len(comment.body) < self.threshold:
            return []
        return [self.hit(f"{len(comment.body)} characters", measured=len(comment.body))]


@rule_kind("t-terms")
@dataclass(frozen=True, kw_only=True)
class TermsRule(Rule):
    """Reads its terms from a file, and declares it so that the file is part of the version."""

    terms: tuple[str, ...] = ()
    terms_file: Path | None = None

    @classmethod
    def from_table(cls, table: Mapping[str, Any], *, base_dir: Path) -> Self:
        terms = tuple(table.get("terms", ()))
        path = base_dir / table["terms_file"] if "terms_file" in table else None
        if path is not None:
            terms += tuple(path.read_text(encoding="utf-8").split())
        return cls(**common(table), terms=terms, terms_file=path)

    def sources(self) -> tuple[Path, ...]:
        return () if self.terms_file is None else (self.terms_file,)

    def check(self, comment: CommentSnapshot, context: RuleContext) -> list[Hit]:
        return []


@rule_kind("t-pattern")
@dataclass(frozen=True, kw_only=True)
class PatternRule(Rule):
    """Compiles with RE2 and lets its errors escape, as a careless kind might."""

    pattern: str = ""

    @classmethod
    def from_table(cls, table: Mapping[str, Any], *, base_dir: Path) -> Self:
        options = re2.Options()
        options.log_errors = False
        re2.compile(table.get("pattern", ""), options)
        return cls(**common(table), pattern=table.get("pattern", ""))

    def check(self, comment: CommentSnapshot, context: RuleContext) -> list[Hit]:
        return []


@rule_kind("t-optional")
@dataclass(frozen=True, kw_only=True)
class OptionalRule(Rule):
    """Stands for the classifier without its extra: loads, but cannot run."""

    @classmethod
    def from_table(cls, table: Mapping[str, Any], *, base_dir: Path) -> Self:
        return cls(**common(table))

    def unavailable(self) -> str | None:
        return "install the test extra"

    def check(self, comment: CommentSnapshot, context: RuleContext) -> list[Hit]:
        raise AssertionError("an unavailable rule is never checked")


@rule_kind("t-forgetful")
@dataclass(frozen=True, kw_only=True)
class ForgetfulRule(Rule):
    """A buggy kind that drops the common fields."""

    @classmethod
    def from_table(cls, table: Mapping[str, Any], *, base_dir: Path) -> Self:
        return cls(id=table["id"])

    def check(self, comment: CommentSnapshot, context: RuleContext) -> list[Hit]:
        return []


def write(tmp_path: Path, text: str, name: str = "rules.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(LoadError) as caught:
        load_rule_set(path)
    return [str(problem) for problem in caught.value.problems]


def known() -> str:
    return ", ".join(sorted(rule_kinds()))


RULE = '[[rule]]\nid = "a"\nkind = "t-count"\n'

BAD_FILES = [
    pytest.param(
        '[[rule]]\nid = "a"\nkind = "nope"\n',
        [":3: unknown kind 'nope' (known: {known})"],
        id="unknown kind",
    ),
    pytest.param('[[rule]]\nkind = "t-count"\n', [":1: rule has no id"], id="missing id"),
    pytest.param('[[rule]]\nid = "a"\n', [":1: rule has no kind (known: {known})"], id="no kind"),
    pytest.param(
        RULE + '\n[[rule]]\nid = "a"\nkind = "t-count"\n',
        [":6: duplicate rule id 'a' (first at line 2)"],
        id="duplicate id",
    ),
    pytest.param(
        RULE + 'severity = "severe"\n',
        [":4: severity must be low, medium or high, not 'severe'"],
        id="bad severity",
    ),
    pytest.param(
        RULE + 'action = "delete"\n',
        [":4: action must be flag or hide, not 'delete'"],
        id="bad action",
    ),
    pytest.param(
        RULE + 'enabled = "yes"\n',
        [":4: enabled must be true or false, not 'yes'"],
        id="bad enabled",
    ),
    pytest.param(
        '[[rule]]\nid = "my rule"\nkind = "t-count"\n',
        [":2: id must be one word of letters, digits, '_', '-' and '.', not 'my rule'"],
        id="id with a space",
    ),
    pytest.param(
        RULE + "treshold = 3\n",
        [":4: unknown key 'treshold' for kind 't-count' (did you mean 'threshold'?)"],
        id="misspelt key",
    ),
    pytest.param(
        RULE + 'colour = "red"\n',
        [
            ":4: unknown key 'colour' for kind 't-count' (allowed: action, description, "
            "enabled, id, kind, severity, threshold)"
        ],
        id="unknown key",
    ),
    pytest.param(
        RULE + "# a comment\nthreshold = 0\n",
        [":5: rule 'a': threshold must be a whole number from 1, not 0"],
        id="kind refuses a key",
    ),
    pytest.param(
        RULE + 'description = "refuse the table"\n',
        [":1: rule 'a': this table is refused as a whole"],
        id="kind refuses the table",
    ),
    pytest.param(
        '[[rule]]\nid = "a"\nkind = "t-pattern"\npattern = "(a+"\n',
        [":4: rule 'a': the pattern does not compile: missing ): (a+"],
        id="regex that does not compile",
    ),
    pytest.param(
        '[[rule]]\nid = "a"\nkind = "t-terms"\nterms_file = "missing.txt"\n',
        [":4: rule 'a': cannot read {dir}/missing.txt: No such file or directory"],
        id="word list missing",
    ),
    pytest.param(
        RULE + 'description = "unterminated\n[[rule]]\n',
        [":4: invalid TOML: Illegal character '\\n' (column 28)"],
        id="TOML syntax",
    ),
    pytest.param(
        RULE + "threshold = 3\nthreshold = 4\n",
        [":5: invalid TOML: Cannot overwrite a value (column 14)"],
        id="TOML error at the end",
    ),
    pytest.param('[ruleset]\nname = "x"\n', [": no rules: add [[rule]] tables"], id="no rules"),
    pytest.param(
        '[rule]\nid = "a"\nkind = "t-count"\n',
        [":1: rules are written as [[rule]] tables"],
        id="single rule table",
    ),
    pytest.param(
        '[ruleset]\nname = 3\nowner = "me"\n\n[rules]\nid = "a"\n\n' + RULE,
        [
            ":2: name must be a string, not 3",
            ":3: unknown key 'owner' in [ruleset] (name, description)",
            ":5: unknown table 'rules' (a rule set has [ruleset] and [[rule]] tables)",
        ],
        id="ruleset table",
    ),
    pytest.param(
        # Lines inside a multi-line string or array are values, not keys or headers.
        RULE + 'description = """\n[[rule]]\nthreshold = 0\n"""\nterms = [\n  "x = 1",\n'
        "  [2],\n]\nthreshold = 0\n",
        [
            ":8: unknown key 'terms' for kind 't-count' (allowed: action, description, "
            "enabled, id, kind, severity, threshold)",
            ":12: rule 'a': threshold must be a whole number from 1, not 0",
        ],
        id="multi-line values",
    ),
]


@pytest.mark.parametrize(("text", "expected"), BAD_FILES)
def test_problems_name_the_file_and_line(tmp_path: Path, text: str, expected: list[str]) -> None:
    path = write(tmp_path, text)
    assert problems_of(path) == [
        f"{path}{problem.format(known=known(), dir=tmp_path)}" for problem in expected
    ]


# Lines that look like headers or keys, to hide inside strings, arrays and comments.
DECOYS = ["[[rule]]", "[ruleset]", "[rule.x]", "bogus = 1", "threshold = 0", "it's", "a # b"]
DECOYS += ['x = """', "y = '''", 'say "hi"']


def _quoted(opening: str, closing: str, forbidden: str) -> st.SearchStrategy[str]:
    safe = [decoy for decoy in DECOYS if not any(part in decoy for part in forbidden.split())]
    return st.sampled_from(safe).map(lambda decoy: opening + decoy + closing)


STRINGS = st.one_of(
    _quoted('"""\n', '\n"""', '"""'),
    _quoted("'''\n", "\n'''", "'''"),
    _quoted('"', '"', '"'),
    _quoted("'", "'", "'"),
)
VALUES = st.one_of(
    st.just("1"),
    STRINGS,
    st.lists(_quoted('"', '"', '"'), max_size=3).map(
        lambda items: "[\n" + "".join(f"  {item},\n" for item in items) + "  [1, [2]],\n]"
    ),
)
FILLERS = st.lists(st.sampled_from(["", "   ", "# [[rule]] bogus = 1", "# threshold = 0"]))


@given(
    rules=st.lists(
        st.tuples(FILLERS, st.none() | STRINGS, st.none() | VALUES, FILLERS),
        min_size=1,
        max_size=5,
    )
)
def test_unknown_keys_are_found_on_their_line_whatever_surrounds_them(
    tmp_path_factory: pytest.TempPathFactory,
    rules: list[tuple[list[str], str | None, str | None, list[str]]],
) -> None:
    lines: list[str] = []
    expected: list[str] = []
    for index, (before, description, bogus, after) in enumerate(rules):
        lines += ["[[rule]]", f'id = "r{index}"', *before, 'kind = "t-count"']
        if description is not None:
            lines += f"description = {description}".split("\n")
        if bogus is not None:
            expected.append(f":{len(lines) + 1}: unknown key 'bogus' for kind 't-count'")
            lines += f"bogus = {bogus}".split("\n")
            # A key after the value shows the scan is back to reading keys where it should be.
            expected.append(f":{len(lines) + 1}: unknown key 'extra' for kind 't-count'")
            lines.append("extra = 2")
        lines += after
    path = write(tmp_path_factory.mktemp("scan"), "\n".join(lines) + "\n")
    try:
        load_rule_set(path)
        found = []
    except LoadError as error:
        found = [str(problem).split(" (")[0] for problem in error.problems]
    assert found == [f"{path}{problem}" for problem in expected]


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[[rule]]\nid = "one"\nkind = "t-count"\nseverity = "severe"\nthreshold = 0\n\n'
        '[[rule]]\nid = "two"\nkind = "nope"\n\n'
        '[[rule]]\nid = "one"\nkind = "t-count"\ncolor = 1\n',
    )
    assert problems_of(path) == [
        f"{path}:4: severity must be low, medium or high, not 'severe'",
        f"{path}:5: rule 'one': threshold must be a whole number from 1, not 0",
        f"{path}:9: unknown kind 'nope' (known: {known()})",
        f"{path}:12: duplicate rule id 'one' (first at line 2)",
        f"{path}:14: unknown key 'color' for kind 't-count' (allowed: action, description, "
        "enabled, id, kind, severity, threshold)",
    ]


def test_problems_are_file_line_reason_tuples(tmp_path: Path) -> None:
    path = write(tmp_path, RULE + "threshold = 0\n")
    with pytest.raises(LoadError) as caught:
        load_rule_set(path)
    assert caught.value.problems == [
        (str(path), 4, "rule 'a': threshold must be a whole number from 1, not 0")
    ]
    assert isinstance(caught.value, ValueError)
    expected = f"{path}:4: rule 'a': threshold must be a whole number from 1, not 0"
    assert str(caught.value) == expected


def test_a_missing_file_or_bad_encoding(tmp_path: Path) -> None:
    assert problems_of(tmp_path / "absent.toml") == [
        f"{tmp_path / 'absent.toml'}: cannot read: No such file or directory"
    ]
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'[[rule]]\nid = "a"\ndescription = "caf\xe9"\n')
    assert problems_of(path) == [f"{path}:3: not UTF-8 text"]


def test_a_good_file_loads(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '\ufeff[ruleset]\nname = "Strict"\ndescription = "for the busy nights"\n\n'
        + RULE
        + 'description = "long ones"\nseverity = "high"\naction = "hide"\nthreshold = 5\n\n'
        '[[rule]]\nid = "b.2"\nkind = "t-count"\nenabled = false\n',
    )
    rule_set = load_rule_set(path)
    assert rule_set.name == "Strict"
    assert rule_set.source == str(path)
    first, second = rule_set.rules
    assert first == CountRule(
        id="a",
        description="long ones",
        severity=Severity.HIGH,
        action=RuleAction.HIDE,
        threshold=5,
    )
    assert (second.id, second.enabled, second.severity) == ("b.2", False, Severity.MEDIUM)
    assert rule_set.enabled == (first,)
    assert len(rule_set.version) == 16


def test_a_missing_ruleset_table_names_the_set_after_the_file(tmp_path: Path) -> None:
    assert load_rule_set(write(tmp_path, RULE, name="night-shift.toml")).name == "night-shift"


def test_rules_in_an_inline_array_point_at_it(tmp_path: Path) -> None:
    path = write(tmp_path, '# rules\nrule = [{id = "a", kind = "t-count", threshold = 0}]\n')
    expected = f"{path}:2: rule 'a': threshold must be a whole number from 1, not 0"
    assert problems_of(path) == [expected]
    path.write_text('rule = [{id = "a", kind = "t-count"}]\n', encoding="utf-8")
    assert [rule.id for rule in load_rule_set(path).rules] == ["a"]


def test_version_follows_the_file_and_every_word_list_it_reads(tmp_path: Path) -> None:
    (tmp_path / "words.txt").write_text("alpha\nbeta\n", encoding="utf-8")
    (tmp_path / "unused.txt").write_text("gamma\n", encoding="utf-8")
    path = write(tmp_path, '[[rule]]\nid = "w"\nkind = "t-terms"\nterms_file = "words.txt"\n')
    first = load_rule_set(path)
    assert first.rules[0].sources() == (tmp_path / "words.txt",)
    assert load_rule_set(path).version == first.version

    (tmp_path / "unused.txt").write_text("delta\n", encoding="utf-8")
    assert load_rule_set(path).version == first.version

    (tmp_path / "words.txt").write_text("alpha\nbeta\ngamma\n", encoding="utf-8")
    changed = load_rule_set(path)
    assert changed.version != first.version

    path.write_text(path.read_text(encoding="utf-8") + "# a comment\n", encoding="utf-8")
    assert load_rule_set(path).version not in {first.version, changed.version}


def test_an_unavailable_rule_is_a_warning_not_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, RULE + '\n[[rule]]\nid = "ml"\nkind = "t-optional"\n')
    loaded = read_rule_set(path)
    assert [rule.id for rule in loaded.rule_set.rules] == ["a", "ml"]
    assert loaded.warnings == (
        Problem(
            str(path),
            5,
            "warning: rule 'ml' is unavailable and will be skipped: install the test extra",
        ),
    )
    path.write_text(RULE + '\n[[rule]]\nid = "ml"\nkind = "t-optional"\nenabled = false\n')
    assert read_rule_set(path).warnings == ()


def test_a_kind_that_drops_the_common_fields_is_a_bug(tmp_path: Path) -> None:
    path = write(tmp_path, '[[rule]]\nid = "f"\nkind = "t-forgetful"\nseverity = "high"\n')
    with pytest.raises(TypeError, match="from_table\\(\\) dropped severity"):
        load_rule_set(path)


def test_only_the_kinds_given_are_known(tmp_path: Path) -> None:
    path = write(tmp_path, RULE)
    with pytest.raises(LoadError, match="unknown kind 't-count' \\(known: t-terms\\)"):
        load_rule_set(path, kinds={"t-terms": TermsRule})


def test_a_toml_error_at_the_very_end_points_at_the_last_line(tmp_path: Path) -> None:
    path = write(tmp_path, RULE + 'description = "never closed')
    assert problems_of(path) == [
        f"{path}:4: invalid TOML: Unterminated string (at the end of the file)"
    ]


# --- hostile files -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "line"),
    [
        pytest.param("[" * 100_000 + "]" * 100_000, 4, id="arrays"),
        pytest.param("{a = " * 100_000 + "}" * 100_000, 4, id="inline tables"),
        pytest.param("[\n" * 40 + "]" * 40, 36, id="over lines"),
    ],
)
def test_deep_nesting_is_refused_at_its_line(tmp_path: Path, value: str, line: int) -> None:
    # tomllib recursed once per level: 100,000 levels were a RecursionError out of `rules check`.
    path = write(tmp_path, RULE + f"x = {value}\n")
    assert problems_of(path) == [f"{path}:{line}: arrays and tables nested more than 32 deep"]


@pytest.mark.parametrize(
    "value",
    [
        '"' + "[" * 40 + '"',
        "'" + "{" * 40 + "'",
        '"""\n' + "[" * 40 + '\n"""',
        "'''\n" + "[" * 40 + "\n'''",
        '"""x\\""" ' + "[" * 40 + ' """',
        '"""x""""',
        "[" * 32 + "]" * 32,
    ],
)
def test_brackets_in_strings_and_comments_do_not_count_as_nesting(
    tmp_path: Path, value: str
) -> None:
    path = write(tmp_path, RULE + f"description = {value!s} # {'[' * 40}\n")
    problems = [str(problem) for problem in _problems_or_none(path)]
    assert not any("nested" in problem for problem in problems)


def _problems_or_none(path: Path) -> list[Problem]:
    try:
        load_rule_set(path)
    except LoadError as error:
        return error.problems
    return []


def test_an_unclosed_string_full_of_quotes_is_refused_by_tomllib(tmp_path: Path) -> None:
    # The nesting scan takes an unclosed string to the end of its line: it must not start
    # again at every quote inside it (which was quadratic), nor hide tomllib's own reason.
    path = write(tmp_path, RULE + 'description = "' + '\\"' * 50_000 + "\n")
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:4: invalid TOML: ")


def test_a_rule_set_larger_than_its_limit_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, RULE + "# " + "x" * (4 << 20) + "\n")
    assert problems_of(path) == [f"{path}: cannot read: larger than 4 MB"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_is_refused_by_name_without_waiting(tmp_path: Path) -> None:
    fifo = tmp_path / "rules.toml"
    os.mkfifo(fifo)
    assert problems_of(fifo) == [f"{fifo}: cannot read: not a regular file"]
    assert problems_of(tmp_path) == [f"{tmp_path}: cannot read: not a regular file"]
