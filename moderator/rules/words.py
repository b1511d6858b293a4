"""The word-list rule kind: terms found through disguises, each hit explained to the character.

A rule set writes one as::

    [[rule]]
    id = "insults"
    kind = "words"
    severity = "medium"
    terms = ["idiot*", "moron", "you people"]
    terms_file = "lists/insults.txt"    # one term a line; blank lines and "# ..." lines skipped
    allow = ["idiotically"]             # whole words (or phrases) that never hit
    plurals = true                      # "moron" also matches "morons" (the default)

or, with a CSV list whose rows carry their own severity (Mild, Strong, Severe)::

    terms_file = "profanity_en.csv"
    term_column = "text"                    # the default
    severity_column = "severity_description"

What a term is (whole words, phrases, ``*`` wildcards) is in ``wordmatch``; how text is read
(leetspeak, look-alike letters, spaced and stretched letters) is in ``normalize``.
"""

from __future__ import annotations

import csv
import gc
import io
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from moderator.domain import Severity
from moderator.rules.files import MAX_WORD_LIST_BYTES, read_limited
from moderator.rules.model import (
    CommentSnapshot,
    Hit,
    Rule,
    RuleAction,
    RuleConfigError,
    RuleContext,
    rule_kind,
)
from moderator.rules.wordmatch import (
    Term,
    TermError,
    WordMatch,
    WordMatcher,
    parse_term,
    plural_words,
)

# The severity words of published lists (surge-ai: Mild, Strong, Severe), and our own.
_SEVERITIES = {
    "mild": Severity.LOW,
    "strong": Severity.MEDIUM,
    "severe": Severity.HIGH,
    **{severity.value: severity for severity in Severity},
}
_RANK = {Severity.LOW: 0, Severity.MEDIUM: 1, Severity.HIGH: 2}
_COMMON = ("id", "description", "severity", "action", "enabled")
# Hits' evidence remembered (the cache starts over when full).
_REMEMBERED = 4096
# An explanation quotes at most this much of the comment.
_QUOTE = 60
_WORD = re.compile(r"[^\W_]+")
# A word quoted, or named as a word, or what someone was called: talked about rather than
# said at someone, so a person decides (a hide rule only flags it).
_QUOTES = "\"'`\u201c\u201d\u2018\u2019\u00ab\u00bb\u201e"
_LOOK_BACK = 60
_TALKED_ABOUT = re.compile(
    r"(?:\b(?:the|that|this|a|his|her|their)\s+(?:[\w-]+\s+)?(?:word|term|slur|epithet|label)s?"
    r"(?:\s+(?:is|was))?"
    r"|\b(?:called|labell?ed|branded)\s+(?:\w+\s+){0,2}?(?:(?:a|an)\s+)?)"
    "\\s*[:,]?\\s*[\"'`\u201c\u2018\u00ab\u201e]?\\s*$",
    re.IGNORECASE,
)
_STRETCHED = re.compile(r"([^\W_])\1\1+")


@rule_kind("words")
@dataclass(frozen=True, kw_only=True)
class WordListRule(Rule):
    """Hits every place in a comment where a term of the list is written, however disguised.

    ``terms`` are written inline; ``terms_file`` adds one term a line, or the ``term_column``
    of a CSV file (with ``severity_column``, each term carries its own severity). ``allow``
    names words and phrases that never hit. Matching ignores case unless ``case_sensitive``.
    With ``plurals`` a term also matches its regular plural ("idiot", "idiots").
    """

    terms: tuple[str, ...] = ()
    terms_file: Path | None = None
    term_column: str = "text"
    severity_column: str | None = None
    allow: tuple[str, ...] = ()
    case_sensitive: bool = False
    plurals: bool = True
    _matcher: WordMatcher = field(init=False, repr=False, compare=False)
    _look: Callable[[str], int] = field(init=False, repr=False, compare=False)
    _said: dict[tuple[str, str, tuple[Term, ...]], tuple[Severity, str, str, str]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        # A long list is millions of small objects, none of them in a cycle: the collector
        # would walk all of them again and again while they are made (half the load's time).
        collecting = gc.isenabled()
        gc.disable()
        try:
            self._compile()
        finally:
            if collecting:
                gc.enable()

    def _compile(self) -> None:
        fold_case = not self.case_sensitive
        terms = [
            _term(entry, f"term {number} {_shown(entry)}", "terms", fold_case=fold_case)
            for number, entry in enumerate(self.terms, start=1)
        ]
        if self.terms_file is not None:
            terms.extend(self._file_terms(fold_case=fold_case))
        if not terms:
            raise RuleConfigError("the list has no terms: give terms or a terms_file", key="terms")
        allow = []
        for number, entry in enumerate(self.allow, start=1):
            where = f"allow entry {number} {_shown(entry)}"
            allow.append(_term(entry, where, "allow", fold_case=fold_case))
            if allow[-1].symbolic:
                raise RuleConfigError(f"{where} has no letter or digit", key="allow")
        matcher = WordMatcher(terms, allow=allow, fold_case=fold_case, plurals=self.plurals)
        object.__setattr__(self, "_matcher", matcher)
        object.__setattr__(self, "_look", matcher.look)

    @classmethod
    def from_table(cls, table: Mapping[str, Any], *, base_dir: Path) -> Self:
        """Build the rule from its TOML table; ``terms_file`` is relative to ``base_dir``."""
        values: dict[str, Any] = {key: table[key] for key in _COMMON if key in table}
        values["terms"] = _strings(table, "terms")
        values["allow"] = _strings(table, "allow")
        for key in ("case_sensitive", "plurals"):
            if key in table:
                if not isinstance(table[key], bool):
                    raise RuleConfigError(f"{key} must be true or false", key=key)
                values[key] = table[key]
        for key in ("terms_file", "term_column", "severity_column"):
            if key in table and not (isinstance(table[key], str) and table[key]):
                raise RuleConfigError(f"{key} must be a non-empty string", key=key)
        if "terms_file" in table:
            values["terms_file"] = base_dir / table["terms_file"]
        for key in ("term_column", "severity_column"):
            if key in table:
                if not _is_csv(values.get("terms_file")):
                    raise RuleConfigError(f"{key} is for a CSV terms_file", key=key)
                values[key] = table[key]
        return cls(**values)

    @property
    def matcher(self) -> WordMatcher:
        """The compiled list (``find`` for the matches alone, ``look`` for its prefilter)."""
        return self._matcher

    def sources(self) -> tuple[Path, ...]:
        return () if self.terms_file is None else (self.terms_file,)

    def check(self, comment: CommentSnapshot, context: RuleContext) -> list[Hit]:
        body = comment.body
        # Nine comments in ten stop at the prefilter: this is WordMatcher.find, spelled out
        # to save a call on each of them.
        sighting = self._look(body)
        if not sighting:
            return []
        matches = self._matcher.find_seen(body, sighting)
        return [self._hit(body, match) for match in matches]

    def _hit(self, body: str, match: WordMatch) -> Hit:
        start, end, reading, terms = match
        matched = body[start:end]
        # The same few words make most hits: what is said about them is remembered.
        key = (matched, reading, terms)
        said = self._said.get(key)
        if said is None:
            if len(self._said) >= _REMEMBERED:
                self._said.clear()
            said = self._said[key] = self._say(matched, reading, terms)
        severity, normalized, explanation, entry = said
        action = self.action
        if action is RuleAction.HIDE and talked_about(body, start, end):
            action = RuleAction.FLAG
            explanation += "; quoted or talked about, so a person decides"
        return Hit(
            rule_id=self.id,
            severity=severity,
            action=action,
            explanation=explanation,
            spans=((start, end),),
            matched=matched,
            normalized=normalized,
            term=entry,
        )

    def _say(
        self, matched: str, reading: str, terms: tuple[Term, ...]
    ) -> tuple[Severity, str, str, str]:
        """(severity, normalized, explanation, term) for a match."""
        # Several entries can read the same ("@55" and "ass"): the exact one, then the gravest.
        term = max(terms, key=self._preference)
        severity = term.severity or self.severity
        normalized = term.reads if term.exact else _squeezed(reading)
        explanation = self._explain(matched, normalized, term, severity)
        if term.exact and self.plurals:
            # "idiots" for the entry "idiot": say it is the plural rather than what it reads as.
            *head, last = _squeezed(reading).split() or [""]
            if head == list(term.words[:-1]) and last in plural_words(term.words[-1]):
                normalized = " ".join((*head, last))
                explanation = self._explain_plural(matched, normalized, term, severity)
        return severity, normalized, explanation, term.entry

    def _explain_plural(self, matched: str, normalized: str, term: Term, severity: Severity) -> str:
        """ "'idiots', plural of 'idiot' (insults, medium)"; "'b1tches' reads as 'bitches', …"."""
        written = " ".join(matched.split())
        plain = (written if self.case_sensitive else written.casefold()) == normalized
        said = f"'{_quote(matched)}'" if plain else f"'{_quote(matched)}' reads as '{normalized}'"
        return f"{said}, plural of '{term.reads}' ({self.description or self.id}, {severity})"

    def _preference(self, term: Term) -> tuple[bool, int]:
        return term.exact, _RANK[term.severity or self.severity]

    def _explain(self, matched: str, normalized: str, term: Term, severity: Severity) -> str:
        """One sentence: "'$h1t' reads as 'shit' (banned, high)", "'idiot' is on the list
        'insults' (medium)", "'idiots' matches 'idiot*' (insults, medium)"."""
        label = self.description or self.id
        written = " ".join(matched.split())
        plain = (written if self.case_sensitive else written.casefold()) == normalized
        said = f"'{_quote(matched)}'" if plain else f"'{_quote(matched)}' reads as '{normalized}'"
        if term.exact:
            if plain:
                return f"{said} is on the list '{label}' ({severity})"
            return f"{said} ({label}, {severity})"
        which = " matches" if plain else ", which matches"
        return f"{said}{which} '{term.entry}' ({label}, {severity})"

    def _file_terms(self, *, fold_case: bool) -> Iterator[Term]:
        assert self.terms_file is not None
        path = self.terms_file
        try:
            text = read_limited(path, limit=MAX_WORD_LIST_BYTES).decode("utf-8-sig")
        except OSError as error:
            reason = error.strerror or str(error)
            raise RuleConfigError(f"cannot read {path}: {reason}", key="terms_file") from None
        except UnicodeDecodeError:
            raise RuleConfigError(f"{path} is not UTF-8 text", key="terms_file") from None
        rows = self._csv_rows(text) if _is_csv(path) else _lines(text)
        for line, entry, severity in rows:
            try:
                yield parse_term(entry, fold_case=fold_case, severity=severity)
            except TermError as error:
                # Said only when wrong: a long list is a million terms that are right.
                where = f"{path.name}:{line}: term {_shown(entry)}"
                raise RuleConfigError(f"{where} {error}", key="terms_file") from None

    def _csv_rows(self, text: str) -> Iterator[tuple[int, str, Severity | None]]:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        columns = reader.fieldnames or []
        for key, column in (
            ("term_column", self.term_column),
            ("severity_column", self.severity_column),
        ):
            if column is not None and column not in columns:
                raise RuleConfigError(
                    f"{self.terms_file} has no column {column!r} (columns: {', '.join(columns)})",
                    key=key,
                )
        for row in reader:
            severity = None
            if self.severity_column is not None:
                written = (row[self.severity_column] or "").strip()
                if written:
                    severity = _SEVERITIES.get(written.lower())
                    if severity is None:
                        raise RuleConfigError(
                            f"{self.terms_file}:{reader.line_num}: severity {written!r} is not"
                            " Mild, Strong or Severe (nor low, medium or high)",
                            key="severity_column",
                        )
            yield reader.line_num, row[self.term_column] or "", severity


def _term(
    entry: str, where: str, key: str, *, fold_case: bool, severity: Severity | None = None
) -> Term:
    try:
        return parse_term(entry, fold_case=fold_case, severity=severity)
    except TermError as error:
        raise RuleConfigError(f"{where} {error}", key=key) from None


def _shown(entry: str) -> str:
    """A term as its list has it, cut short when it is too long to read in a message."""
    return repr(entry) if len(entry) <= 60 else repr(entry[:59]) + "…"


def _lines(text: str) -> Iterator[tuple[int, str, None]]:
    for number, line in enumerate(text.splitlines(), start=1):
        entry = line.strip()
        if entry and not entry.startswith("#"):
            yield number, entry, None


def _strings(table: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise RuleConfigError(f"{key} must be a list of strings", key=key)
    return tuple(value)


def _is_csv(path: Path | None) -> bool:
    return path is not None and path.suffix.lower() == ".csv"


def _squeezed(reading: str) -> str:
    """A matched span as words, stretched letters squeezed: "idiooooots" reads "idiots"."""
    return " ".join(_STRETCHED.sub(r"\1", word) for word in _WORD.findall(reading))


def _quote(text: str) -> str:
    """A matched span as a moderator should see it: invisible characters spelled out."""
    shown = "".join(
        f"\\u{ord(char):04x}" if unicodedata.category(char)[0] in "CZ" and char != " " else char
        for char in text
    )
    return shown if len(shown) <= _QUOTE else shown[: _QUOTE - 1] + "…"


def talked_about(body: str, start: int, end: int) -> bool:
    """Whether the words at [start, end) are quoted ('"X"'), named as a word ("the word X",
    "the slur X") or what someone was called ("called him a X"): a comment that reports or
    discusses a slur, which a person should read before it is hidden."""
    before = body[max(0, start - 1) : start]
    after = body[end : end + 2]
    if before and before in _QUOTES and any(char in _QUOTES for char in after):
        return True
    return _TALKED_ABOUT.search(body, max(0, start - _LOOK_BACK), start) is not None
