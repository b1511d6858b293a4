"""The keymap is the one source of keys: the user guide's key table must agree with it."""

from __future__ import annotations

import re
from pathlib import Path

from ui.desk.keymap import KEYMAP

USER_GUIDE = Path(__file__).resolve().parents[3] / "docs" / "user-guide.md"


def test_every_key_is_documented_in_the_user_guide() -> None:
    text = USER_GUIDE.read_text(encoding="utf-8")
    section = text.split("\n## Keys\n", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`([^`]+)`", section))
    missing = [b.shortcut for b in KEYMAP if b.shortcut not in documented]
    assert missing == []


def test_shortcuts_are_unique() -> None:
    shortcuts = [binding.shortcut.lower() for binding in KEYMAP]
    assert len(shortcuts) == len(set(shortcuts))
