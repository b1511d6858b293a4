"""JSON read from stored or outside text, where nesting past the parser's depth is a
ValueError like any other fault (json raises RecursionError, which callers do not expect)."""

from __future__ import annotations

import json
from typing import Any


def loads(text: str | bytes) -> Any:
    """``text`` parsed as JSON; ValueError for anything that is not JSON it can hold."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("JSON nested too deep") from None
