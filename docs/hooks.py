"""MkDocs hooks: the pages read the same on the site as on GitHub."""

from __future__ import annotations

import re
from typing import Any

_CODE_SPAN = re.compile(r"`[^`\n]*`")


def on_page_markdown(markdown: str, **_kwargs: Any) -> str:
    """In table rows, ``\\|`` inside a code span is a plain ``|``.

    GitHub needs the backslash (a bare ``|`` would end the cell there), but Python-Markdown
    already keeps code spans whole and would print it.
    """
    return "\n".join(
        _CODE_SPAN.sub(lambda span: span.group(0).replace("\\|", "|"), line)
        if line.startswith("|")
        else line
        for line in markdown.split("\n")
    )
