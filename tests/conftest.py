"""Fixtures shared by every test: a fresh database, the seed file, and the offscreen Qt setting."""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
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


def _initdb() -> str | None:
    found = shutil.which("initdb")
    if found:
        return found
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return str(versions[-1]) if versions else None


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A throwaway PostgreSQL server on 127.0.0.1 and a free port, for the whole run: its URL
    without a database name. Skipped, saying why, where there is no server or driver."""
    initdb = _initdb()
    if initdb is None:
        pytest.skip("PostgreSQL is not installed here (no initdb): the PostgreSQL tests skip")
    if importlib.util.find_spec("psycopg") is None:
        pytest.skip("the PostgreSQL driver is not installed (the 'postgres' extra)")
    # Not under pytest's own temporary folder: that one only its owner may enter, and as root
    # the server runs as another user.
    folder = Path(tempfile.mkdtemp(prefix="moderator-pg-"))
    data = folder / "data"
    bindir = Path(initdb).parent
    # PostgreSQL refuses to run as root: as root, run it as the postgres user.
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_user:
        shutil.chown(folder, "postgres")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    pg_ctl = str(bindir / "pg_ctl")
    options = f"-p {port} -k {folder} -h 127.0.0.1 -F"
    log = str(folder / "log")
    for command in (
        [*as_user, initdb, "-D", str(data), "-U", "moderator", "--auth=trust", "-E", "UTF8"],
        [*as_user, pg_ctl, "-D", str(data), "-o", options, "-l", log, "-w", "start"],
    ):
        done = subprocess.run(command, check=False, capture_output=True, text=True)  # noqa: S603
        if done.returncode != 0:
            shutil.rmtree(folder, ignore_errors=True)
            pytest.skip(f"no PostgreSQL server could be started here: {done.stderr.strip()}")
    try:
        yield f"postgresql+psycopg://moderator@127.0.0.1:{port}"
    finally:
        subprocess.run(  # noqa: S603 - the server's own tools, found above
            [*as_user, pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def pg_database(postgres_server: str) -> Iterator[Database]:
    """A new, migrated database on the throwaway server, dropped afterwards."""
    import psycopg  # noqa: PLC0415

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = postgres_server.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    database = open_database(f"{postgres_server}/{name}")
    try:
        yield database
    finally:
        database.close()
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE {name} WITH (FORCE)")
