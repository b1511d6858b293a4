"""The README stays a quickstart: short, the two commands first, every link leading somewhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
# Lines the quickstart may run to; the manual in docs/ holds the rest.
MOST_LINES = 260
# CI and people run these exactly as written.
TWO_COMMANDS = (
    "bash .ci/setup && .venv/bin/moderator          # set up, then open the window\n"
    "bash .ci/run                                   # set up, then lint, type-check and run"
    " every test\n"
)
# [text](target) and ![alt](target), with an optional "title" after the target.
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


def _relative_links(text: str) -> list[str]:
    without_code = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    targets = LINK.findall(without_code)
    return [t for t in targets if not re.match(r"[a-z][a-z0-9+.-]*:|#", t)]


def test_the_readme_is_a_short_quickstart() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= MOST_LINES


def test_the_readme_gives_the_two_commands_first() -> None:
    text = README.read_text(encoding="utf-8")
    assert f"```sh\n{TWO_COMMANDS}```" in text
    assert text.index("bash .ci/setup") < text.index("## A five-minute tour")


def test_the_links_are_found() -> None:
    assert "docs/user-guide.md#keys" in _relative_links(README.read_text(encoding="utf-8"))


@pytest.mark.parametrize("target", _relative_links(README.read_text(encoding="utf-8")))
def test_every_relative_link_in_the_readme_leads_to_a_file(target: str) -> None:
    path, _, anchor = target.partition("#")
    found = REPO / path
    assert found.is_file(), target
    if anchor:
        headings = re.findall(r"^#+ (.+)$", found.read_text(encoding="utf-8"), flags=re.MULTILINE)
        slugs = {re.sub(r"[^\w\- ]", "", h).strip().lower().replace(" ", "-") for h in headings}
        assert anchor in slugs, target
