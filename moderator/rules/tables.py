"""Reading rule tables: the common fields and checked numbers, flags and booleans."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from moderator.domain import Severity
from moderator.rules.model import (
    RuleAction,
    RuleConfigError,
)

# --- reading rule tables -------------------------------------------------------------------

_COMMON = ("id", "description", "severity", "action", "enabled")
_ENUMS = (("severity", Severity, "low, medium or high"), ("action", RuleAction, "flag or hide"))


def show(value: object) -> str:
    """A value as the TOML author wrote it (true, not True; strings quoted)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, str) else str(value)


def common_fields(table: Mapping[str, Any]) -> dict[str, Any]:
    """The keys every rule has, severity and action converted (the loader checks the rest)."""
    values = {key: table[key] for key in _COMMON if key in table}
    for key, enum, spelled in _ENUMS:
        if key in values:
            try:
                values[key] = enum(values[key])
            except ValueError:
                said = f"{key} must be {spelled}, not {show(values[key])}"
                raise RuleConfigError(said, key=key) from None
    return values


def read_bool(table: Mapping[str, Any], key: str, *, default: bool) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise RuleConfigError(f"{key} must be true or false, not {show(value)}", key=key)
    return value


# The largest whole number a rule takes (counts, lengths, runs): far past any sensible
# setting, yet small enough that no check, timedelta or stored hit can overflow on it.
MAX_WHOLE = 1_000_000


def read_int(
    table: Mapping[str, Any], key: str, *, default: int, minimum: int, maximum: int = MAX_WHOLE
) -> int:
    """A whole number from ``minimum`` to ``maximum``."""
    value = table.get(key, default)
    spelled = f"a whole number from {minimum:,} to {maximum:,}"
    # bool is an int in Python, but `threshold = true` is a mistake in a rule file.
    if isinstance(value, bool) or not isinstance(value, int):
        raise RuleConfigError(f"{key} must be {spelled}, not {show(value)}", key=key)
    if not minimum <= value <= maximum:
        raise RuleConfigError(f"{key} must be {spelled}, not {_number(value)}", key=key)
    return value


def read_number(
    table: Mapping[str, Any],
    key: str,
    *,
    default: float,
    share: bool,
    maximum: float = 1.0,
) -> float:
    """A share from 0 to 1, or without ``share`` a number above 0 up to ``maximum``.

    A share of 70 gets a hint (0.7); NaN and infinity are refused like any value out of range.
    """
    value = table.get(key, default)
    spelled = "a number from 0 to 1" if share else f"a number above 0 and at most {maximum:,g}"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RuleConfigError(f"{key} must be {spelled}, not {show(value)}", key=key)
    # Written as "not inside" so that NaN, which compares false with everything, is refused.
    if not (0 <= value <= 1 if share else 0 < value <= maximum):
        hint = f" (write {value / 100:g} for {value:g}%)" if share and 1 < value <= 100 else ""
        raise RuleConfigError(f"{key} must be {spelled}, not {_number(value)}{hint}", key=key)
    return float(value)


def _number(value: float) -> str:
    """A number for an error message, however many digits the TOML integer had."""
    if isinstance(value, float):
        return f"{value:g}"
    digits = len(str(abs(value)))
    # A float cannot hold them all (nor can :g), and nobody reads 400 digits.
    return f"{value:,}" if digits <= 24 else f"a whole number of {digits:,} digits"


def re2_reason(error: Exception) -> str:
    """Why RE2 refused a pattern, as text: google-re2 carries its message as bytes ("missing
    ): (a", not "b'missing ): (a'")."""
    reason = error.args[0] if error.args else error
    return reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)


def quote(text: str, limit: int = 60) -> str:
    """Text for an explanation: whitespace collapsed, cut to ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}" if count == 1 else f"{count:,} {word}s"
