"""Opens the database: where it lives, SQLite's durability settings, sessions and migrations."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from moderator import settings
from moderator.checkpoints import BackgroundCheckpoints
from moderator.db_errors import driver_words
from moderator.db_location import masked, server_address
from moderator.migrations import HEAD
from moderator.safe_output import keep_database, release_database

ENV_DATABASE = "MODERATOR_DB"
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# How long a writer waits for another process's lock before giving up with "database is locked".
BUSY_TIMEOUT_MS = 10_000


class DatabaseError(RuntimeError):
    """The database cannot be opened as a Moderator database; the message says why."""


def default_database_path() -> Path:
    return platformdirs.user_data_path("moderator", appauthor=False) / "moderator.sqlite3"


def database_url(value: str | None = None, environ: Mapping[str, str] | None = None) -> URL:
    """The database to open: ``--db`` first, then ``$MODERATOR_DB``, then the one chosen in
    the settings dialog, then the user data folder.

    A value with ``://`` is a SQLAlchemy URL (``postgresql+psycopg://...``); anything else is a
    path to a SQLite file, taken literally (``?``, ``#`` and ``%`` are part of the name).
    """
    environ = os.environ if environ is None else environ
    chosen = (
        value or environ.get(ENV_DATABASE) or _settings_choice() or str(default_database_path())
    )
    if "://" in chosen:
        try:
            return make_url(chosen)
        except (ArgumentError, ValueError) as error:  # ValueError: a port not a number
            raise DatabaseError(f"{masked(chosen)!r} is not a database URL: {error}") from None
    return URL.create("sqlite", database=str(Path(chosen).expanduser().resolve()))


def _settings_choice() -> str | None:
    try:
        return settings.chosen_database()
    except settings.SettingsError as error:
        raise DatabaseError(f"cannot tell which database to open: {error}") from None


def _sqlite_path(engine: Engine) -> Path | None:
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    return Path(database)


# How long to wait between tries when another process holds the lock a switch to WAL needs.
_WAL_RETRY_SECONDS = 0.01


def _switch_to_wal(cursor: sqlite3.Cursor) -> None:
    """Put the database in WAL mode, waiting out other processes doing the same.

    The first switch of a new file needs an exclusive lock, and SQLite answers "database is
    locked" at once (the busy timeout does not apply) when several processes open the new
    file together. Once in WAL mode the file stays so and the pragma takes no lock.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() >= deadline:
                raise
            time.sleep(_WAL_RETRY_SECONDS)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin (see "begin").
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        _switch_to_wal(cursor)
        # FULL syncs the WAL on every commit: an acknowledged decision survives a power cut.
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # A write unit takes the write lock up front, so that two desks deciding at once queue
        # behind busy_timeout instead of failing halfway through a read-then-write.
        immediate = connection.get_execution_options().get("write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: URL | str) -> Engine:
    url = make_url(url)
    if url.get_backend_name() == "sqlite":
        database = url.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
        _configure_sqlite(engine)
        return engine
    try:
        return create_engine(url, pool_pre_ping=True)
    except NoSuchModuleError as error:
        raise DatabaseError(f"no database driver for {url.drivername!r}: {error}") from None
    except ModuleNotFoundError as error:
        raise DatabaseError(
            f"the driver for {url.drivername!r} is not installed ({error.name}); for PostgreSQL"
            " install Moderator with the 'postgres' extra"
        ) from None


@dataclass
class Database:
    """An open, migrated database and the sessions that work on it."""

    engine: Engine
    backup: Path | None = None
    checkpoints: BackgroundCheckpoints | None = None
    # The SQLite file, while open: no file the desk writes may land on it (safe_output).
    kept: Path | None = None

    def __post_init__(self) -> None:
        reading = self.engine
        if self.engine.dialect.name == "postgresql":
            # One snapshot for all of a read, as SQLite's read transactions have: a view that
            # reads the log's head and then its rows must not see a commit between the two.
            # (Read-only, so it can never fail to serialise.)
            reading = self.engine.execution_options(isolation_level="REPEATABLE READ")
        self._reader = sessionmaker(reading, expire_on_commit=False)
        self._writer = sessionmaker(
            self.engine.execution_options(write=True), expire_on_commit=False
        )

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def session(self) -> Session:
        """A session for reading; open it in a ``with`` block."""
        return self._reader()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commits when the block ends, rolls everything back if it raises."""
        with self._writer() as session, session.begin():
            yield session

    def close(self) -> None:
        if self.checkpoints is not None:
            self.checkpoints.stop()
        self.engine.dispose()
        if self.kept is not None:
            release_database(self.kept)
            self.kept = None


def open_database(location: str | None = None, *, background_checkpoints: bool = False) -> Database:
    """Open (creating or upgrading as needed) the database at a path or URL, or the default.

    ``location`` is read as :func:`database_url` reads ``--db``. A file that is not a Moderator
    database is refused before anything is written to it. ``background_checkpoints`` (SQLite
    files; the window asks for it) moves SQLite's checkpoints off the committing thread.
    """
    url = database_url(location)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        refuse_foreign_sqlite(Path(url.database))
    engine = make_engine(url)
    try:
        backup = migrate(engine)
    except SQLAlchemyError as error:
        engine.dispose()
        raise DatabaseError(f"cannot open {_describe(engine)}: {error}") from error
    except Exception:
        engine.dispose()
        raise
    sqlite_file = url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
    checkpoints = BackgroundCheckpoints(engine) if background_checkpoints and sqlite_file else None
    kept = None
    if sqlite_file:
        kept = Path(str(url.database))
        keep_database(kept)
    return Database(engine, backup, checkpoints, kept)


def probe_database(location: str) -> str:
    """What opening ``location`` would find, in a sentence, without writing anything (no file
    is created, no schema changed); ``DatabaseError`` saying why it could not be opened."""
    url = database_url(location)
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        refuse_foreign_sqlite(path)
        if not path.exists() or path.stat().st_size == 0:
            return f"{path} does not exist yet: Moderator will create it"
    engine = make_engine(url) if url.get_backend_name() != "sqlite" else create_engine(url)
    try:
        with engine.connect() as connection:
            revision = current_revision(connection)
            tables = set(inspect(connection).get_table_names())
    except SQLAlchemyError as error:
        # The driver's own words, without SQLAlchemy's wrapping and links.
        detail = driver_words(error)
        raise DatabaseError(f"cannot open {_describe(engine)}: {detail}") from None
    finally:
        engine.dispose()
    where = _describe(engine)
    if revision == HEAD:
        return f"{where} is a Moderator database, ready"
    if revision is None and not tables:
        return f"{where} is empty: Moderator will set it up"
    if revision is None:
        raise DatabaseError(f"{where} is not a Moderator database (it has other tables)")
    if revision not in _known_revisions():
        raise DatabaseError(f"{where} was written by a newer Moderator (schema {revision!r})")
    return f"{where} is a Moderator database (schema {revision}): it will be upgraded"


def refuse_foreign_sqlite(path: Path) -> None:
    """Raise unless ``path`` is absent, empty, or a Moderator database; read-only, no side effects.

    The engine's connect hook switches a file to WAL mode, which rewrites its header: so the
    question is asked first through a plain read-only connection.
    """
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        raw = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            tables = {name for (name,) in raw.execute("SELECT name FROM sqlite_master")}
        finally:
            raw.close()
    except sqlite3.DatabaseError as error:
        if "readonly" in str(error) or "read-only" in str(error):
            # A database in WAL mode is read through files beside it (-wal, -shm), which a
            # read-only folder will not take: it is a database, only not one we may open.
            raise DatabaseError(
                f"{path} cannot be opened: it (or its folder) is read-only, and Moderator"
                " writes every decision to it. Copy it to a folder you may write to, or ask"
                f" for write access ({error})"
            ) from None
        raise DatabaseError(f"{path} is not a SQLite database ({error})") from None
    if tables and "alembic_version" not in tables:
        raise DatabaseError(
            f"{path} is not a Moderator database (it has tables {sorted(tables)!r} but no schema"
            " version); nothing was changed"
        )


def current_revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def migrate(engine: Engine) -> Path | None:
    """Bring the schema to ``HEAD``; an older SQLite file is copied aside first.

    Returns the backup's path when one was made. Several processes may open the same database
    at once: the upgrade runs under the write lock, after reading the version again.
    """
    with engine.connect() as connection:
        revision = current_revision(connection)
    if revision == HEAD:
        return None
    path = _sqlite_path(engine)
    backup = None
    if revision is not None and path is not None and revision in _known_revisions():
        # Copied before taking the write lock (the backup API reads on a connection of its
        # own); if another process upgrades meanwhile, this is still a true copy of the old one.
        backup = backup_sqlite(engine, path, label=revision)
    with _migration_connection(engine) as connection:
        revision = current_revision(connection)
        if revision == HEAD:  # another process upgraded it while we waited for the lock
            return backup
        tables = set(inspect(connection).get_table_names())
        if revision is None and tables:
            raise DatabaseError(
                f"{_describe(engine)} is not a Moderator database (it has tables"
                f" {sorted(tables)!r} but no schema version)"
            )
        if revision is not None and revision not in _known_revisions():
            raise DatabaseError(
                f"{_describe(engine)} was written by a newer Moderator (schema {revision!r},"
                f" this version knows up to {HEAD!r}); upgrade Moderator to open it"
            )
        _run_migrations(connection, "head")
    return backup


@contextmanager
def _migration_connection(engine: Engine) -> Iterator[Connection]:
    """One transaction holding the write lock, with SQLite's foreign keys off meanwhile.

    SQLite changes most tables by copying them; with foreign keys on, dropping the old copy
    would cascade into (or be refused by) the rows that point at it. The keys are checked
    before the commit instead, and switched back on after.
    """
    with engine.execution_options(write=True).connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        raw = connection.connection.driver_connection
        if sqlite:
            assert isinstance(raw, sqlite3.Connection)
            raw.execute("PRAGMA foreign_keys = OFF")  # before BEGIN: inside it is a no-op
        try:
            with connection.begin():
                yield connection
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise DatabaseError(
                            f"the upgrade would break {len(broken)} references (first:"
                            f" {tuple(broken[0])}); nothing was changed"
                        )
        finally:
            if sqlite:
                assert isinstance(raw, sqlite3.Connection)
                raw.execute("PRAGMA foreign_keys = ON")


def _describe(engine: Engine) -> str:
    """The database as messages name it: a file's path, or a server in words (no password)."""
    path = _sqlite_path(engine)
    if path:
        return str(path)
    rendered = engine.url.render_as_string(hide_password=True)
    address = server_address(rendered)
    return address.place() if address else rendered


def alembic_config(connection: Connection | None = None) -> Any:
    from alembic.config import Config  # noqa: PLC0415 - Alembic loads only when a schema changes

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def _known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory  # noqa: PLC0415

    scripts = ScriptDirectory.from_config(alembic_config())
    return {script.revision for script in scripts.walk_revisions()}


def upgrade(engine: Engine, revision: str) -> None:
    """Run the migrations up to ``revision`` in one transaction (tests build old schemas so)."""
    with _migration_connection(engine) as connection:
        _run_migrations(connection, revision)


def _run_migrations(connection: Connection, revision: str) -> None:
    from alembic import command  # noqa: PLC0415

    command.upgrade(alembic_config(connection), revision)


def backup_sqlite(engine: Engine, path: Path, *, label: str) -> Path:
    """A consistent copy of a live SQLite file next to it, named after its schema and the time."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.backup-{label}-{stamp}")
    raw = engine.raw_connection()
    try:
        source = raw.driver_connection
        assert isinstance(source, sqlite3.Connection)
        destination = sqlite3.connect(target)
        try:
            source.backup(destination)
        finally:
            destination.close()
    finally:
        raw.close()
    return target
