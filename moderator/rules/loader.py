"""Reads a rule-set TOML file into a RuleSet, reporting every problem as ``FILE:LINE: reason``."""

from __future__ import annotations

import dataclasses
import difflib
import re
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import re2

from moderator.domain import Severity
from moderator.output.display import path_text
from moderator.rules.files import MAX_RULE_SET_BYTES, MAX_WORD_LIST_BYTES, read_limited
from moderator.rules.model import (
    Rule,
    RuleAction,
    RuleConfigError,
    RuleSet,
    content_version,
    rule_kinds,
)
from moderator.rules.tables import re2_reason, show

# Keys every rule takes, whatever its kind; a kind's own keys are its dataclass fields.
COMMON_KEYS = ("id", "kind", "description", "severity", "action", "enabled")
# Ids end up in hit records, CLI output and JSON: keep them to one plain word.
_RULE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


class Problem(NamedTuple):
    """One thing wrong with a rule-set file; ``line`` is None for the file as a whole."""

    file: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.reason}"


class LoadError(ValueError):
    """A rule-set file that cannot be used; ``problems`` lists all that is wrong with it."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


@dataclasses.dataclass(frozen=True, slots=True)
class LoadedRuleSet:
    """A rule set and the warnings worth showing whoever wrote it (rules that cannot run here)."""

    rule_set: RuleSet
    warnings: tuple[Problem, ...] = ()


def load_rule_set(path: Path, *, kinds: Mapping[str, type[Rule]] | None = None) -> RuleSet:
    """The rule set in ``path``; raises :class:`LoadError` listing every problem at once.

    ``kinds`` defaults to every registered kind; import ``moderator.rules.kinds`` to register the
    built-in ones.
    """
    return read_rule_set(path, kinds=kinds).rule_set


def read_rule_set(path: Path, *, kinds: Mapping[str, type[Rule]] | None = None) -> LoadedRuleSet:
    """Like :func:`load_rule_set`, keeping the warnings (``rules check`` prints them)."""
    name = path_text(path)
    try:
        data = read_limited(path, limit=MAX_RULE_SET_BYTES)
    except OSError as error:
        raise LoadError([Problem(name, None, f"cannot read: {error.strerror or error}")]) from None
    return _Loader(name, path.parent, rule_kinds() if kinds is None else kinds).load(data, path)


class _Loader:
    def __init__(self, name: str, base_dir: Path, kinds: Mapping[str, type[Rule]]) -> None:
        self.name = name
        self.base_dir = base_dir
        self.kinds = kinds
        self.problems: list[Problem] = []

    def problem(self, line: int | None, reason: str) -> None:
        self.problems.append(Problem(self.name, line, reason))

    def fail(self) -> LoadError:
        return LoadError(sorted(self.problems, key=lambda p: p.line or 0))

    def load(self, data: bytes, path: Path) -> LoadedRuleSet:
        text, document = self.parse(data)
        layout = _scan(text)
        for key, value in document.items():
            if key not in {"ruleset", "rule"}:
                what = "table" if isinstance(value, dict) else "key"
                self.problem(
                    layout.top.get(key),
                    f"unknown {what} {key!r} (a rule set has [ruleset] and [[rule]] tables)",
                )
        title = self.ruleset_name(document.get("ruleset", {}), layout.ruleset, path)
        built = self.rules(document.get("rule", []), layout)
        if self.problems:
            raise self.fail()
        return self.finish(title, built, data)

    def parse(self, data: bytes) -> tuple[str, dict[str, Any]]:
        try:
            # utf-8-sig: a byte-order mark from a Windows editor is not worth an error.
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            self.problem(data.count(b"\n", 0, error.start) + 1, "not UTF-8 text")
            raise self.fail() from None
        deep = _too_deep(text)
        if deep is not None:
            self.problem(deep, f"arrays and tables nested more than {MAX_NESTING} deep")
            raise self.fail()
        try:
            return text, tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            self.problem(*_toml_position(str(error), text))
            raise self.fail() from None
        except RecursionError:
            # tomllib recurses once per level; the scan above should have refused this first.
            self.problem(None, f"arrays and tables nested more than {MAX_NESTING} deep")
            raise self.fail() from None

    def rules(self, tables: Any, layout: _Layout) -> list[tuple[Rule, _Table]]:
        if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
            self.problem(layout.top.get("rule"), "rules are written as [[rule]] tables")
            return []
        if not tables:
            self.problem(None, "no rules: add [[rule]] tables")
        # The scan finds one entry per [[rule]] header; an inline array (rule = [{...}]) has none,
        # so its rules are all placed at the line of `rule =`.
        places = layout.rules if len(layout.rules) == len(tables) else None
        built: list[tuple[Rule, _Table]] = []
        seen: dict[str, int] = {}
        for index, table in enumerate(tables):
            place = places[index] if places else _Table(layout.top.get("rule") or 1)
            rule_id = table.get("id")
            if isinstance(rule_id, str) and rule_id in seen:
                self.problem(
                    place.at("id"), f"duplicate rule id {rule_id!r} (first at line {seen[rule_id]})"
                )
            elif isinstance(rule_id, str):
                seen[rule_id] = place.at("id")
            rule = self.rule(table, place, index)
            if rule is not None:
                built.append((rule, place))
        return built

    def finish(self, title: str, built: list[tuple[Rule, _Table]], data: bytes) -> LoadedRuleSet:
        """The version over the file and every file its rules read; warnings for idle rules."""
        parts = [data]
        warnings: list[Problem] = []
        for rule, place in built:
            for source in rule.sources():
                try:
                    parts.append(read_limited(source, limit=MAX_WORD_LIST_BYTES))
                except OSError as error:
                    self.problem(place.line, f"cannot read {source}: {error.strerror or error}")
            # A disabled rule is not asked: the classifier would load its model for nothing.
            reason = rule.unavailable() if rule.enabled else None
            if reason is not None:
                message = f"warning: rule {rule.id!r} is unavailable and will be skipped: {reason}"
                warnings.append(Problem(self.name, place.line, message))
        if self.problems:
            raise self.fail()
        rules = tuple(rule for rule, _ in built)
        return LoadedRuleSet(
            RuleSet(title, rules, content_version(parts), source=self.name), tuple(warnings)
        )

    def ruleset_name(self, table: Any, place: _Table | None, path: Path) -> str:
        place = place or _Table(1)
        if not isinstance(table, dict):
            self.problem(place.line, "[ruleset] must be a table with a name and a description")
            return path.stem
        for key in [k for k in table if k not in {"name", "description"}]:
            self.problem(place.at(key), f"unknown key {key!r} in [ruleset] (name, description)")
        for key in ("name", "description"):
            if key in table and not isinstance(table[key], str):
                self.problem(place.at(key), f"{key} must be a string, not {show(table[key])}")
        name = table.get("name")
        return name if isinstance(name, str) and name else path.stem

    def rule(self, table: dict[str, Any], place: _Table, index: int) -> Rule | None:
        """The rule built from one table, or None after recording what is wrong with it."""
        before = len(self.problems)
        common = self.common(table, place)
        kind = table.get("kind")
        cls = self.kinds.get(kind) if isinstance(kind, str) else None
        if cls is None:
            return None
        allowed = {f.name for f in dataclasses.fields(cls) if f.init and not f.name.startswith("_")}
        allowed.update(COMMON_KEYS)
        for key in [k for k in table if k not in allowed]:
            self.problem(place.at(key), _unknown_key(key, str(kind), allowed))
        # Bad common values are left out so that the kind still reports its own problems.
        clean = {k: v for k, v in table.items() if k not in COMMON_KEYS} | common
        clean.setdefault("id", f"rule-{index + 1}")
        clean["kind"] = kind
        # A kind's own problem names the rule: the line alone is lost once the file is edited.
        named = f"rule {clean['id']!r}: "
        try:
            rule = cls.from_table(clean, base_dir=self.base_dir)
        except RuleConfigError as error:
            self.problem(place.at(error.key) if error.key else place.line, f"{named}{error}")
            return None
        except re2.error as error:
            # A kind should say this itself (RuleConfigError); a leaked RE2 error still points home.
            reason = f"the pattern does not compile: {re2_reason(error)}"
            self.problem(place.at("pattern"), named + reason)
            return None
        except OSError as error:
            files = [key for key in table if key.endswith("_file")]
            line = place.at(files[0]) if files else place.line
            reason = f"cannot read {error.filename}: {error.strerror or error}"
            self.problem(line, named + reason)
            return None
        if len(self.problems) > before:
            return None
        changed = [k for k, v in common.items() if k != "kind" and getattr(rule, k) != v]
        if changed or not isinstance(rule, cls):
            # A kind's bug, not the user's: its from_table must pass the common fields through.
            raise TypeError(f"kind {kind!r}: from_table() dropped {', '.join(changed) or 'kind'}")
        return rule

    def common(self, table: Mapping[str, Any], place: _Table) -> dict[str, Any]:
        """The common keys that are present and valid, converted; problems for the others."""
        values = self.identity(table, place)
        for key, (read, spelled) in _COMMON_VALUES.items():
            if key in table:
                try:
                    values[key] = read(table[key])
                except ValueError:
                    self.problem(place.at(key), f"{key} must be {spelled}, not {show(table[key])}")
        return values

    def identity(self, table: Mapping[str, Any], place: _Table) -> dict[str, Any]:
        """The rule's id and kind, if present and valid."""
        values: dict[str, Any] = {}
        rule_id = table.get("id")
        if rule_id is None:
            self.problem(place.line, "rule has no id")
        elif isinstance(rule_id, str) and _RULE_ID.fullmatch(rule_id):
            values["id"] = rule_id
        else:
            self.problem(
                place.at("id"),
                f"id must be one word of letters, digits, '_', '-' and '.', not {show(rule_id)}",
            )
        kind = table.get("kind")
        known = ", ".join(sorted(self.kinds))
        if kind is None:
            self.problem(place.line, f"rule has no kind (known: {known})")
        elif not isinstance(kind, str) or kind not in self.kinds:
            self.problem(place.at("kind"), f"unknown kind {show(kind)} (known: {known})")
        else:
            values["kind"] = kind
        return values


def _exactly(expected: type) -> Callable[[Any], Any]:
    def read(value: Any) -> Any:
        if not isinstance(value, expected):
            raise ValueError(value)
        return value

    return read


# The common keys beside id and kind: how each is read, and what it must be.
_COMMON_VALUES: dict[str, tuple[Callable[[Any], Any], str]] = {
    "severity": (Severity, "low, medium or high"),
    "action": (RuleAction, "flag or hide"),
    "enabled": (_exactly(bool), "true or false"),
    "description": (_exactly(str), "a string"),
}


def _unknown_key(key: str, kind: str, allowed: set[str]) -> str:
    close = difflib.get_close_matches(key, sorted(allowed), n=1)
    hint = f"did you mean {close[0]!r}?" if close else "allowed: " + ", ".join(sorted(allowed))
    return f"unknown key {key!r} for kind {kind!r} ({hint})"


def _toml_position(message: str, text: str) -> tuple[int, str]:
    """tomllib's '... (at line N, column M)' as (N, 'invalid TOML: ... (column M)')."""
    found = re.fullmatch(r"(.*) \(at line (\d+), column (\d+)\)", message, re.DOTALL)
    if found:
        return int(found[2]), f"invalid TOML: {found[1]} (column {found[3]})"
    ending = re.fullmatch(r"(.*) \(at end of document\)", message, re.DOTALL)
    last_line = text.rstrip().count("\n") + 1  # the last line with something on it
    return last_line, f"invalid TOML: {ending[1] if ending else message} (at the end of the file)"


# tomllib parses nested arrays and inline tables by recursion: 100,000 levels end in a
# RecursionError. A rule set needs two or three levels.
MAX_NESTING = 32
# What the nesting scan steps over: comments and strings (whose brackets are text), and the
# brackets themselves. A string may go unclosed (tomllib then says so), and is taken to the
# end of its line or of the file: every token matches where it starts, so the scan is linear.
_NESTING_TOKENS = re.compile(
    r"#[^\n]*+"
    r'|"""(?:[^"\\]|\\.|"(?!""))*+(?:"{3,5})?'
    r"|'''(?:[^']|'(?!''))*+(?:'{3,5})?"
    r'|"(?:[^"\\\n]|\\.)*+"?'
    r"|'[^'\n]*+'?"
    r"|[\[\]{}]",
    re.DOTALL,
)


def _too_deep(text: str) -> int | None:
    """The line where arrays and inline tables first nest past ``MAX_NESTING``, or None.

    Headers (``[[rule]]``) count too, but close on their own line. In a file that is not valid
    TOML the count may be off; tomllib then says what is wrong instead.
    """
    depth = 0
    for token in _NESTING_TOKENS.finditer(text):
        char = token[0][0]
        if char in "[{":
            depth += 1
            if depth > MAX_NESTING:
                return text.count("\n", 0, token.start()) + 1
        elif char in "]}":
            depth = max(depth - 1, 0)
    return None


# --- where things are: tomllib gives values without positions, so a light scan finds lines ---


@dataclasses.dataclass
class _Table:
    """A table's header line and the first line of each of its keys."""

    line: int
    keys: dict[str, int] = dataclasses.field(default_factory=dict)

    def at(self, key: str) -> int:
        return self.keys.get(key, self.line)

    def get(self, key: str) -> int | None:
        return self.keys.get(key)


@dataclasses.dataclass
class _Layout:
    top: _Table = dataclasses.field(default_factory=lambda: _Table(1))
    ruleset: _Table | None = None
    rules: list[_Table] = dataclasses.field(default_factory=list)


_KEY = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
_KEY_PART = re.compile(_KEY)
_KEY_LINE = re.compile(rf"\s*({_KEY})(?:\s*\.\s*{_KEY})*\s*=")


def _scan(text: str) -> _Layout:
    """Header and key lines, skipping what sits inside multi-line strings and arrays."""
    layout = _Layout()
    current: _Table | None = layout.top
    open_string: str | None = None  # the delimiter of a multi-line string still open
    depth = 0  # brackets of an array value still open
    # tomllib counts lines by "\n" only; split the same way so the numbers agree.
    for number, line in enumerate(text.split("\n"), start=1):
        start = 0
        if open_string is not None:
            end = _string_end(line, 0, open_string)
            if end is None:
                continue
            open_string, start = None, end
        elif depth == 0:
            stripped = line.lstrip()
            if stripped.startswith("["):
                current = _header(layout, stripped, number)
                continue
            key = _KEY_LINE.match(line)
            if key is None:
                continue
            if current is not None:
                current.keys.setdefault(_unquote(key[1]), number)
            start = key.end()
        open_string, depth = _scan_value(line, start, depth)
    return layout


def _header(layout: _Layout, stripped: str, number: int) -> _Table | None:
    """Record a [table] or [[array]] header; the table its keys belong to, if one we track."""
    array = stripped.startswith("[[")
    inner = stripped[2 if array else 1 :]
    parts = [_unquote(p) for p in _KEY_PART.findall(inner[: inner.find("]")])]
    if not parts:
        return None
    layout.top.keys.setdefault(parts[0], number)
    if parts == ["rule"] and array:
        layout.rules.append(_Table(number))
        return layout.rules[-1]
    if parts == ["ruleset"] and not array:
        layout.ruleset = _Table(number)
        return layout.ruleset
    # [rule.extra] belongs to the latest rule: its name is that rule's key; its keys are not.
    owner = layout.rules[-1] if parts[0] == "rule" and layout.rules else None
    if parts[0] == "ruleset":
        owner = layout.ruleset
    if owner is not None and len(parts) > 1:
        owner.keys.setdefault(parts[1], number)
    return None


def _scan_value(line: str, start: int, depth: int) -> tuple[str | None, int]:
    """Follow strings and brackets to the end of the line: (open multi-line delimiter, depth)."""
    i = start
    while i < len(line):
        char = line[i]
        if char == "#":
            break
        if line.startswith(('"""', "'''"), i):
            end = _string_end(line, i + 3, line[i : i + 3])
            if end is None:
                return line[i : i + 3], depth
            i = end
        elif char in "\"'":
            end = _string_end(line, i + 1, char)
            i = len(line) if end is None else end
        else:
            depth += (char in "[{") - (char in "]}")
            depth = max(depth, 0)
            i += 1
    return None, depth


def _string_end(line: str, i: int, delimiter: str) -> int | None:
    """Where the string closed by ``delimiter`` ends in ``line``, from ``i``; None if it goes on."""
    while i < len(line):
        if line[i] == "\\" and delimiter[0] == '"':
            i += 2  # an escape in a basic string; literal strings have none
        elif line.startswith(delimiter, i):
            return i + len(delimiter)
        else:
            i += 1
    return None


def _unquote(key: str) -> str:
    return key[1:-1] if key[:1] in "\"'" and len(key) >= 2 else key
