"""docs/screenshots.py makes the manual's screenshots: every window, whole and drawn."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _screenshots_module() -> ModuleType:
    # docs/ holds a script, not a package: load it by its path.
    spec = importlib.util.spec_from_file_location("screenshots", DOCS / "screenshots.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _colours(image: QImage) -> set[int]:
    """The colours on a grid of points 8 pixels apart."""
    return {
        image.pixel(x, y) for x in range(0, image.width(), 8) for y in range(0, image.height(), 8)
    }


def test_every_window_is_grabbed_whole_and_drawn(qapp: QApplication, tmp_path: Path) -> None:
    screenshots = _screenshots_module()
    made = screenshots.make_screenshots(tmp_path)
    names = ["desk.png", "review.png", "log.png", "insights.png"]
    assert [path.name for path in made] == names
    for path in made:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        image = QImage(str(path))
        assert (image.width(), image.height()) == screenshots.SIZE
        # A window drawn with text, lines and colours, not a blank or single-colour rectangle.
        assert len(_colours(image)) > 20, path.name


def test_the_manual_shows_the_screenshots_the_script_makes() -> None:
    screenshots = _screenshots_module()
    assert screenshots.IMAGES == DOCS / "images"
    for name in ["desk.png", "review.png", "log.png", "insights.png"]:
        assert (DOCS / "images" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
