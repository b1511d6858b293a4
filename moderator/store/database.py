"""Opens the database: where it lives, SQLite's durability settings, sessions and migrations."""

from __future__ import annotations

import contextlib
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
from sqlalchemy.pool import NullPool

from moderator import settings
from moderator.output.files import keep_database, release_database
from moderator.store import visibility
from moderator.store.checkpoints import BackgroundCheckpoints
from moderator.store.location import masked, server_address
from moderator.store.migrations import HEAD
from moderator.store.refusals import disk_trouble, driver_words

ENV_DATABASE = "MODERATOR_DB"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# How long a writer waits for another process's lock before giving up with "database is locked".
BUSY_TIMEOUT_MS = 10_000
# Moderator's mark in a SQLite file's header (PRAGMA application_id, the bytes "MdRt"): another
# program's database is told apart by it before anything is written to the file.
APPLICATION_ID = int.from_bytes(b"MdRt", "big")
# Tables every Moderator schema from the first on has: an unmarked file (made before the mark)
# is taken as ours only with them and a schema version of ours.
_CORE_TABLES = frozenset({"article", "author", "comment", "profile"})
# Columns of those tables that only Moderator's have (the names alone are common ones).
_OUR_COLUMNS = {"article": "content_hash", "comment": "fingerprint"}
NO_DATABASE = (
    "no database at {where} (a database is created by the window's first start,"
    " `moderator import` or `moderator init`)"
)


class DatabaseError(RuntimeError):
    """The database cannot be opened as a Moderator database; the message says why."""


class NoDatabaseError(DatabaseError):
    """A command that only reads (or changes what is there) was pointed where no database is."""


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


def make_engine(url: URL | str, *, create: bool = True) -> Engine:
    """An engine for ``url``; ``create``: a SQLite file's missing folders are made."""
    url = make_url(url)
    if url.get_backend_name() == "sqlite":
        database = url.database
        if create and database and database != ":memory:":
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


def reading_engine(url: URL | str) -> Engine:
    """An engine for a process that only reads (the log check's helpers): a SQLite file is
    opened as :func:`read_only_connection` opens it, so that it is read where the desk's own
    opening fell back to reading; nothing is created."""
    url = make_url(url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return _read_only_engine(Path(str(url.database)))
    return make_engine(url, create=False)


def _read_only_engine(path: Path) -> Engine:
    """An engine that reads ``path`` and cannot write it (see :func:`read_only_connection`)."""
    # No pool: each session opens afresh, trying the ordinary read-only way first again. An
    # immutable connection kept in a pool would go on reading the file as it was, never
    # seeing what a desk that started writing to it has committed since.
    engine = create_engine(
        URL.create("sqlite", database=str(path)),
        creator=lambda: read_only_connection(path),
        poolclass=NullPool,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        dbapi_connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        dbapi_connection.execute("PRAGMA query_only = ON")

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")

    return engine


def read_only_connection(path: Path) -> sqlite3.Connection:
    """A connection that reads ``path`` without writing anything beside it, where it can.

    A WAL database is read through a shared-memory file beside it (-shm), which even a reader
    must create and size: on a full disk, under a small file-size limit or in a read-only
    folder it cannot. Then, and only when no WAL content waits beside the file (so the file
    alone holds every commit), it is opened as immutable: SQLite reads it without locks or the
    -shm file. That is safe because nobody else can have it open meanwhile (a live connection
    keeps a full-size -shm file, which would have let the first try succeed); a writer that
    starts afterwards is the risk accepted, for reads, in exchange for reading at all.
    """
    uri = path.resolve().as_uri()
    raw = sqlite3.connect(f"{uri}?mode=ro", uri=True, check_same_thread=False)
    try:
        raw.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return raw
    except sqlite3.OperationalError as error:
        raw.close()
        if not (_needs_files_beside(error) and _file_alone_holds_everything(path)):
            raise
    raw = sqlite3.connect(f"{uri}?immutable=1", uri=True, check_same_thread=False)
    raw.execute("SELECT count(*) FROM sqlite_master").fetchone()
    return raw


def _needs_files_beside(error: sqlite3.Error) -> bool:
    name = getattr(error, "sqlite_errorname", "") or ""
    if name:
        return name.startswith(
            ("SQLITE_IOERR", "SQLITE_FULL", "SQLITE_READONLY", "SQLITE_CANTOPEN")
        )
    words = str(error).lower()
    return any(
        part in words for part in ("readonly", "read-only", "disk i/o", "disk is full", "unable")
    )


def _file_alone_holds_everything(path: Path) -> bool:
    for suffix in ("-wal", "-journal"):
        beside = path.with_name(path.name + suffix)
        with contextlib.suppress(FileNotFoundError):
            if beside.stat().st_size > 0:
                return False
    return True


@dataclass
class Database:
    """An open, migrated database and the sessions that work on it."""

    engine: Engine
    backup: Path | None = None
    checkpoints: BackgroundCheckpoints | None = None
    # The SQLite file, while open: no file the desk writes may land on it (output.files).
    kept: Path | None = None
    # Opened for reading only (the file, its folder or its disk would take no write): why.
    read_only: str | None = None
    # Set up by this opening (there was no database before).
    created: bool = False

    def __post_init__(self) -> None:
        visibility.install()
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


def open_database(
    location: str | None = None, *, background_checkpoints: bool = False, create: bool = True
) -> Database:
    """Open (creating or upgrading as needed) the database at a path or URL, or the default.

    ``location`` is read as :func:`database_url` reads ``--db``. A file that is not a Moderator
    database is refused before anything is written to it. ``create``: where there is no
    database yet, make one (else ``NoDatabaseError``, and nothing is created). A SQLite file
    that can be read but not written (a read-only file or folder, a full disk) is opened for
    reading, with ``read_only`` saying why. ``background_checkpoints`` (SQLite files; the
    window asks for it) moves SQLite's checkpoints off the committing thread.
    """
    url = database_url(location)
    path = None
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        path = Path(str(url.database))
        if not create and (not path.exists() or path.stat().st_size == 0):
            raise NoDatabaseError(NO_DATABASE.format(where=path))
        refuse_foreign_sqlite(path)
    engine = make_engine(url, create=create)
    try:
        backup, created = _migrate(engine, create=create)
    except SQLAlchemyError as error:
        engine.dispose()
        if path is not None and _only_readable(error):
            return _open_for_reading(path, error)
        raise DatabaseError(f"cannot open {_describe(engine)}: {_words(error, path)}") from error
    except Exception:
        engine.dispose()
        raise
    checkpoints = BackgroundCheckpoints(engine) if background_checkpoints and path else None
    if path is not None:
        keep_database(path)
    return Database(engine, backup, checkpoints, path, created=created)


def _only_readable(error: SQLAlchemyError) -> bool:
    original = getattr(error, "orig", None)
    return isinstance(original, sqlite3.OperationalError) and _needs_files_beside(original)


def _words(error: BaseException, path: Path | None) -> str:
    """The driver's words, with the cause named when the disk or a limit is to blame."""
    trouble = None if path is None else disk_trouble(path)
    words = driver_words(error)
    return words if trouble is None else f"{trouble} ({words})"


def _open_for_reading(path: Path, refused: SQLAlchemyError) -> Database:
    why = _words(refused, path)
    engine = _read_only_engine(path)
    try:
        with engine.connect() as connection:
            revision = current_revision(connection)
    except SQLAlchemyError as error:
        engine.dispose()
        raise DatabaseError(
            f"{path} cannot be opened, not even for reading: {_words(error, path)}; it could"
            f" not be opened for writing either: {why}"
        ) from None
    if revision != HEAD:
        engine.dispose()
        raise DatabaseError(
            f"{path} needs an upgrade (schema {revision}), which needs writing to it, and it"
            f" cannot be written: {why}"
        )
    keep_database(path)
    return Database(engine, kept=path, read_only=why)


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

    The engine's connect hook switches a file to WAL mode, which rewrites its header, and an
    upgrade writes a backup beside it: so the question is asked first through a connection
    that only reads. Ours is a file with our mark; or, made before the mark, one with our
    tables and a schema version of ours (another program's Alembic database has versions too,
    perhaps one named like ours).
    """
    if path.exists() and not path.is_file():
        # SQLite would wait on a FIFO for ever, and say odd things of a folder or a device.
        kind = "a folder" if path.is_dir() else "not a regular file"
        raise DatabaseError(f"{path} is {kind}, not a database file; nothing was changed")
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        raw = read_only_connection(path)
        try:
            mark = int(raw.execute("PRAGMA application_id").fetchone()[0])
            tables = {name for (name,) in raw.execute("SELECT name FROM sqlite_master")}
            if tables >= _CORE_TABLES and not _has_our_columns(raw):
                tables -= _CORE_TABLES  # tables of those common names, but not ours
            revisions = (
                [row[0] for row in raw.execute("SELECT version_num FROM alembic_version")]
                if "alembic_version" in tables
                else []
            )
        finally:
            raw.close()
    except sqlite3.DatabaseError as error:
        trouble = disk_trouble(path)
        if trouble is not None:
            raise DatabaseError(f"{path} cannot be read: {trouble} ({error})") from None
        if isinstance(error, sqlite3.OperationalError) and _needs_files_beside(error):
            raise DatabaseError(
                f"{path} cannot be read: it (or its folder) takes no writes, and changes to it"
                " wait in a file beside it that SQLite must open to read them. Copy the"
                f" database with its -wal file to a folder you may write to ({error})"
            ) from None
        raise DatabaseError(f"{path} is not a SQLite database ({error})") from None
    if mark not in (0, APPLICATION_ID):
        raise DatabaseError(
            f"{path} is another program's database (its mark is {mark:#010x}, not Moderator's);"
            " nothing was changed"
        )
    if tables and "alembic_version" not in tables:
        raise DatabaseError(
            f"{path} is not a Moderator database (it has tables {sorted(tables)!r} but no schema"
            " version); nothing was changed"
        )
    if tables and mark == 0 and not tables >= _CORE_TABLES:
        raise DatabaseError(
            f"{path} is not a Moderator database: it has a schema version"
            f" ({', '.join(map(repr, revisions)) or 'none'}) but not Moderator's tables, so it"
            " is another program's; nothing was changed"
        )


def _has_our_columns(raw: sqlite3.Connection) -> bool:
    for table, column in _OUR_COLUMNS.items():
        names = {row[1] for row in raw.execute(f"PRAGMA table_info({table})")}
        if column not in names:
            return False
    return True


def current_revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def migrate(engine: Engine, *, create: bool = True) -> Path | None:
    """Bring the schema to ``HEAD``; an older SQLite file is copied aside first.

    Returns the backup's path when one was made. Several processes may open the same database
    at once: the upgrade runs under the write lock, after reading the version again.
    ``create``: an empty database is set up (else ``NoDatabaseError``).
    """
    return _migrate(engine, create=create)[0]


def _migrate(engine: Engine, *, create: bool) -> tuple[Path | None, bool]:
    """:func:`migrate`, and whether the database was set up from empty."""
    with engine.connect() as connection:
        revision = current_revision(connection)
        unmarked = revision == HEAD and _application_id(connection) == 0
        empty = revision is None and not inspect(connection).get_table_names()
    if revision == HEAD:
        if unmarked:
            _mark(engine)
        return None, False
    if empty and not create:
        raise NoDatabaseError(NO_DATABASE.format(where=_describe(engine)))
    path = _sqlite_path(engine)
    backup = None
    if revision is not None and path is not None and revision in _known_revisions():
        # Copied before taking the write lock (the backup API reads on a connection of its
        # own); if another process upgrades meanwhile, this is still a true copy of the old one.
        backup = backup_sqlite(engine, path, label=revision)
    with _migration_connection(engine) as connection:
        revision = current_revision(connection)
        if revision == HEAD:  # another process upgraded it while we waited for the lock
            return backup, False
        tables = set(inspect(connection).get_table_names())
        if revision is None and tables:
            raise DatabaseError(
                f"{_describe(engine)} is not a Moderator database (it has tables"
                f" {sorted(tables)!r} but no schema version)"
            )
        if revision is not None and not tables >= _CORE_TABLES:
            raise DatabaseError(
                f"{_describe(engine)} is not a Moderator database: it has a schema version"
                f" ({revision!r}) but not Moderator's tables, so it is another program's;"
                " nothing was changed"
            )
        if revision is not None and revision not in _known_revisions():
            raise DatabaseError(
                f"{_describe(engine)} was written by a newer Moderator (schema {revision!r},"
                f" this version knows up to {HEAD!r}); upgrade Moderator to open it"
            )
        _run_migrations(connection, "head")
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")
    return backup, revision is None


def _application_id(connection: Connection) -> int | None:
    if connection.dialect.name != "sqlite":
        return None
    return int(connection.exec_driver_sql("PRAGMA application_id").scalar_one())


def _mark(engine: Engine) -> None:
    """Mark a database made before the mark as ours; where it cannot be written, it stays
    unmarked and is still known by its tables."""
    with contextlib.suppress(SQLAlchemyError), engine.begin() as connection:
        connection.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")


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
    except sqlite3.Error as error:
        # A half-made copy would pass for a backup: it goes, and the upgrade with it.
        target.unlink(missing_ok=True)
        raise DatabaseError(
            f"{path} needs an upgrade, and the copy of it kept first could not be made beside"
            f" it: {_words(error, path)}. Nothing was changed."
        ) from None
    finally:
        raw.close()
    return target
