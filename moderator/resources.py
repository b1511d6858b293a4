"""Where the files shipped beside the code live: the demo article, rule sets, icons, styles."""

from __future__ import annotations

from pathlib import Path

# The repository's resources/ folder; the app is installed in place (pip install -e .).
RESOURCES_DIR = Path(__file__).resolve().parent.parent / "resources"
DEMO_ARTICLE = RESOURCES_DIR / "demo" / "harbour-ferry-fares.txt"


def resource_path(*parts: str) -> Path:
    path = RESOURCES_DIR.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"resource {'/'.join(parts)!r} is missing from {RESOURCES_DIR}")
    return path
