"""Fixtures shared by every test: a fresh database, the seed file, and the offscreen Qt setting."""

from __future__ import annotations

import importlib.util
import os
import sqlite3
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import settings

# Offscreen unless the developer asked for a real display to watch the UI tests.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from sqlalchemy import event, select, text

from moderator.store.database import Database, open_database
from moderator.store.models import Comment, LogEntryRow

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
def sqlite_database(tmp_path: Path) -> Iterator[Database]:
    """A new, migrated SQLite database in a temporary folder."""
    db = open_database(f"sqlite:///{tmp_path / 'moderator.sqlite3'}")
    yield db
    db.close()


@pytest.fixture
def database(sqlite_database: Database) -> Database:
    """The database a test works on: SQLite here; the core's tests (tests/moderator) take
    PostgreSQL as well."""
    return sqlite_database


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


def add_comments(database: Database, count: int, *, title: str = "T") -> list[int]:
    """A new article titled ``title`` with ``count`` pending comments by different readers,
    a minute apart; their ids in thread order."""
    from moderator.formats.records import IncomingArticle, IncomingComment  # noqa: PLC0415
    from moderator.services.importing import import_article  # noqa: PLC0415

    start = datetime(2025, 2, 3, 8, 0, tzinfo=UTC)
    article = IncomingArticle(
        title=title,
        body="Body",
        source=f"{title}.txt",
        comments=tuple(
            IncomingComment(f"reader{i}", start + timedelta(minutes=i), f"{title} comment {i}")
            for i in range(count)
        ),
    )
    with database.transaction() as session:
        change = import_article(session, article)
    with database.session() as session:
        return list(
            session.scalars(
                select(Comment.id)
                .where(Comment.article_id == change.article_id)
                .order_by(Comment.position)
            )
        )


@pytest.fixture
def other_desk(database: Database) -> Iterator[Database]:
    """A second desk on the test's database: its own engine and connections, as another window
    or another machine has."""
    other = open_database(database.engine.url.render_as_string(hide_password=False))
    yield other
    other.close()


def logged_decisions(database: Database, comment_id: int | None = None) -> list[LogEntryRow]:
    """The log's entries on comments (decisions, flags, undos), oldest first."""
    with database.session() as session:
        query = select(LogEntryRow).where(LogEntryRow.comment_id.is_not(None))
        if comment_id is not None:
            query = query.where(LogEntryRow.comment_id == comment_id)
        return list(session.scalars(query.order_by(LogEntryRow.seq)))


def _load_bench_module(name: str) -> ModuleType:
    # bench/ holds scripts, not a package: load a helper by its path.
    spec = importlib.util.spec_from_file_location(name, REPO / "bench" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, module)
    spec.loader.exec_module(module)
    return module


throwaway_postgres = _load_bench_module("throwaway_postgres")

# Set by .ci/run, which starts one server for the whole run: then the tests use that one.
ENV_POSTGRES = "MODERATOR_TEST_POSTGRES"
TEMPLATE = "moderator_template"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server's URL without a database name, holding a migrated template database:
    ``$MODERATOR_TEST_POSTGRES``, else a throwaway server on 127.0.0.1 for the whole run.
    Skipped, saying why, where there is no server or driver."""
    if importlib.util.find_spec("psycopg") is None:
        pytest.skip("the PostgreSQL driver is not installed (the 'postgres' extra)")
    server = None
    url = os.environ.get(ENV_POSTGRES, "").strip()
    if not url:
        try:
            server = throwaway_postgres.start(Path(tempfile.mkdtemp(prefix="moderator-pg-")))
        except throwaway_postgres.NoServerError as error:
            pytest.skip(str(error))
        url = server.url
    try:
        _make_template(url)
        yield url
    finally:
        if server is not None:
            server.stop()


def _admin(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://") + "/postgres"


def _make_template(url: str) -> None:
    """Migrate one database once; each test's database is a copy of it (much faster than
    migrating each)."""
    import psycopg  # noqa: PLC0415

    with psycopg.connect(_admin(url), autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {TEMPLATE}")
    open_database(f"{url}/{TEMPLATE}").close()


@contextmanager
def fresh_pg_database(server: str) -> Iterator[Database]:
    """A new, migrated database on the PostgreSQL server ``server``, dropped afterwards."""
    import psycopg  # noqa: PLC0415

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = _admin(server)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
    database = open_database(f"{server}/{name}")
    try:
        yield database
    finally:
        database.close()
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture
def pg_database(postgres_server: str) -> Iterator[Database]:
    """A new, migrated database on the PostgreSQL test server, dropped afterwards."""
    with fresh_pg_database(postgres_server) as database:
        yield database


@contextmanager
def _on_every_connection(database: Database, pragma: str) -> Iterator[None]:
    """Each connection the database makes while inside runs ``pragma`` first."""

    def run(connection: sqlite3.Connection, _record: object) -> None:
        connection.execute(pragma)

    event.listen(database.engine, "connect", run)
    database.engine.dispose()  # connections made from now on run it
    try:
        yield
    finally:
        event.remove(database.engine, "connect", run)
        database.engine.dispose()


@contextmanager
def full_disk(database: Database) -> Iterator[None]:
    """A SQLite database whose file may not grow while inside: a write that needs a new page
    fails with "database or disk is full", as on a full disk (what fits in the free space
    of the pages it has still goes in)."""
    with database.session() as session:
        pages = int(session.execute(text("PRAGMA page_count")).scalar_one())
    with _on_every_connection(database, f"PRAGMA max_page_count = {pages}"):
        yield


@contextmanager
def failing_writes(database: Database, table: str, message: str) -> Iterator[None]:
    """Every INSERT into ``table`` fails inside as the driver fails it (``message``, say
    "database or disk is full"): a write refused part-way through a unit of work."""

    def refuse(*args: object) -> None:
        statement = str(args[2])
        if statement.lstrip().upper().startswith(f"INSERT INTO {table.upper()} "):
            raise sqlite3.OperationalError(message)

    event.listen(database.engine, "before_cursor_execute", refuse)
    try:
        yield
    finally:
        event.remove(database.engine, "before_cursor_execute", refuse)


@contextmanager
def read_only(database: Database) -> Iterator[None]:
    """A SQLite database that may be read, not written, while inside (as a read-only file
    is): a write fails with "attempt to write a readonly database"."""
    with _on_every_connection(database, "PRAGMA query_only = ON"):
        yield
