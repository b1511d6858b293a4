"""Gates: one RE2 set scan tells which text rules could hit a comment, so the rest are skipped."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from typing import Any

import re2

from moderator.rules.model import (
    Rule,
)
from moderator.rules.text_rules import LAYOUT, LinksRule, RegexRule, RepeatsRule

# --- gates: one RE2 pass that rules text rules out -----------------------------------------

# A rule's gate is an RE2 pattern over the comment's UTF-8 bytes that matches every comment
# the rule can hit (and others): where it does not match, the rule has nothing to say. The
# engine scans all the gates of a rule set at once, with one RE2 set, and only checks the
# rules whose gate matched; most comments then cost one scan instead of a call per rule.
# Gates are exact supersets, never approximations: a rule's hits are the same either way.

# Memory for the set's DFA: generous, so that the scan never runs out (a set cannot fall back).
_GATE_MAX_MEM = 64 << 20
_UNANCHORED = re2._re2.RE2.Anchor.UNANCHORED
# Any character outside ASCII (the pattern is read as UTF-8).
_ANY_NON_ASCII = "\\x{80}-\\x{10ffff}"


def _regex_gate(rule: RegexRule) -> str | None:
    # The rule's own pattern: RE2 compiles case_sensitive=False as the (?i) flag.
    return f"(?:{rule.pattern})" if rule.case_sensitive else f"(?i)(?:{rule.pattern})"


def _links_gate(rule: LinksRule) -> str | None:
    # links_in only reads around a dot followed by a letter or digit (_DOT); no such dot, no
    # links, and a threshold of one or more is not reached.
    return f"\\.[A-Za-z0-9{_ANY_NON_ASCII}]" if rule.threshold >= 1 else None


@functools.cache
def _repeating_ascii() -> tuple[str, ...]:
    """The ASCII characters whose runs the repeats rule counts, as RE2 escapes."""
    counted = re.compile(rf"[^\s\d{LAYOUT}]")
    return tuple(f"\\x{{{code:02x}}}" for code in range(128) if counted.fullmatch(chr(code)))


def _repeats_gate(rule: RepeatsRule) -> str | None:
    # A run of marks, of one ASCII character that counts, or of non-ASCII characters.
    run = rule.max_run
    if run < 1:
        return None
    runs = [f"[!?¡¿‽]{{{run}}}", f"[{_ANY_NON_ASCII}]{{{run}}}"]
    runs.extend(f"{char}{{{run}}}" for char in _repeating_ascii())
    return "|".join(runs)


# Only these exact kinds: a subclass may check differently from the gate.
_GATES: dict[type[Rule], Callable[[Any], str | None]] = {
    RegexRule: _regex_gate,
    LinksRule: _links_gate,
    RepeatsRule: _repeats_gate,
}


class TextGates:
    """The gates of a sequence of rules, scanned at once: which rules a comment can hit.

    ``positions`` lists the rules (by their position in the sequence) that have a gate; the
    others must always be checked. :meth:`open` gives the positions of the gated rules whose
    gate matched a text, or None when the text cannot be scanned (lone surrogates: every rule
    is then checked, and meets the text as it would without gates).
    """

    def __init__(self, rules: Sequence[Rule]) -> None:
        options = re2.Options()
        options.max_mem = _GATE_MAX_MEM
        options.never_capture = True
        options.log_errors = False
        gates = re2._re2.Set(_UNANCHORED, options)
        positions: list[int] = []
        for position, rule in enumerate(rules):
            make = _GATES.get(type(rule))
            gate = None if make is None else make(rule)
            # A gate RE2's set refuses (too many repeats, say) leaves its rule ungated.
            if gate is not None and gates.Add(gate.encode("utf-8")) == len(positions):
                positions.append(position)
        if positions and not gates.Compile():
            positions = []
        self.positions: tuple[int, ...] = tuple(positions)
        self._match: Callable[[bytes], list[int]] = gates.Match

    def open(self, text: str) -> list[int] | None:
        """Positions of the gated rules that may hit ``text``, in no particular order."""
        positions = self.positions
        if not positions:
            return []
        try:
            data = text.encode()
        except UnicodeEncodeError:
            return None
        return [positions[index] for index in self._match(data)]
