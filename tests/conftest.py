"""Fixtures shared by every test: a fresh database, the seed file, and the offscreen Qt setting."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

# Offscreen unless the developer asked for a real display to watch the UI tests.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from sqlalchemy import select

from moderator.models import LogEntryRow
from moderator.storage import Database, open_database

# No per-example deadline: a wall-clock limit fails at random on a busy 2-core CI machine.
settings.register_profile("moderator", deadline=None)
settings.load_profile("moderator")

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"
SEED_ARTICLE = SHARED_DATA / "seed" / "article-syria-conference.txt"


@pytest.fixture(autouse=True)
def _own_settings(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A developer's own choices (`moderator rules use ...`) must never change a test's outcome.
    monkeypatch.setenv("MODERATOR_CONFIG_DIR", str(tmp_path_factory.mktemp("config")))


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    """A new, migrated SQLite database in a temporary folder."""
    db = open_database(f"sqlite:///{tmp_path / 'moderator.sqlite3'}")
    yield db
    db.close()


@pytest.fixture
def seed_article() -> Path:
    if not SEED_ARTICLE.exists():
        pytest.skip(f"the shared seed article is absent ({SEED_ARTICLE})")
    return SEED_ARTICLE


@pytest.fixture
def shared_imports() -> Path:
    """The real platform exports in ../shared/data/imports (WXR, Disqus)."""
    folder = SHARED_DATA / "imports"
    if not folder.is_dir():
        pytest.skip(f"the shared import samples are absent ({folder})")
    return folder


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Tests that read ../shared are "shared" tests, selectable (or deselectable) as a group.
    for item in items:
        if {"seed_article", "shared_imports"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.shared)


def logged_decisions(database: Database, comment_id: int | None = None) -> list[LogEntryRow]:
    """The log's entries on comments (decisions, flags, undos), oldest first."""
    with database.session() as session:
        query = select(LogEntryRow).where(LogEntryRow.comment_id.is_not(None))
        if comment_id is not None:
            query = query.where(LogEntryRow.comment_id == comment_id)
        return list(session.scalars(query.order_by(LogEntryRow.seq)))
