"""Copies SQLite's write-ahead log back into the database file in a helper thread.

SQLite does this itself (a "checkpoint") in whichever commit finds the log past 1,000 pages,
and that commit then waits while the pages are copied and the file synced: a few hundred
milliseconds on a large database, felt as a stalled keystroke at the desk. With these, the
desk's connections never checkpoint; each unit of work that wrote wakes a helper thread, which
checkpoints on its own connection while the desk goes on (a passive checkpoint: it never
blocks readers or writers, and copies whatever has been committed by then).
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

from sqlalchemy import Engine, event


class BackgroundCheckpoints:
    """Checkpoints for one SQLite engine, made by a helper thread until :meth:`stop`.

    ``checkpointed`` is set after each checkpoint, ``count`` counts them (for whoever wants
    to wait for one).
    """

    def __init__(self, engine: Engine) -> None:
        database = engine.url.database
        if engine.url.get_backend_name() != "sqlite" or database in (None, "", ":memory:"):
            raise ValueError("background checkpoints are for SQLite database files")
        self._engine = engine
        self._wanted = threading.Event()
        self._stopping = False
        # Driver connections that committed since they were checked out.
        self._wrote: set[int] = set()
        self._lock = threading.Lock()
        self.checkpointed = threading.Event()
        self.count = 0
        # Connections opened before (the migration's) would still checkpoint in commits.
        engine.dispose()
        event.listen(engine, "connect", _no_automatic_checkpoints)
        event.listen(engine, "commit", self._on_commit)
        event.listen(engine, "checkin", self._on_checkin)
        self._thread = threading.Thread(target=self._run, name="wal-checkpoints", daemon=True)
        self._thread.start()

    def _on_commit(self, connection: Any) -> None:
        # Before the commit itself: the pages are in the log only once the connection is
        # back in the pool, when the unit of work is over.
        with self._lock:
            self._wrote.add(id(connection.connection.dbapi_connection))

    def _on_checkin(self, dbapi_connection: Any, _record: Any) -> None:
        with self._lock:
            if id(dbapi_connection) not in self._wrote:
                return
            self._wrote.discard(id(dbapi_connection))
        self._wanted.set()

    def _run(self) -> None:
        while True:
            self._wanted.wait()
            # Cleared before the stop is looked at: a stop asked in between is still seen.
            self._wanted.clear()
            if self._stopping:
                return
            raw = self._engine.raw_connection()
            try:
                driver = raw.driver_connection
                assert isinstance(driver, sqlite3.Connection)
                # In autocommit (the connect hook sees to it): a checkpoint cannot run inside
                # a transaction.
                driver.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.Error:
                pass  # busy or locked: the next unit of work that writes asks again
            finally:
                raw.close()
            self.count += 1
            self.checkpointed.set()

    def stop(self) -> None:
        """End the helper thread (after a checkpoint under way); nothing is asked of it after."""
        event.remove(self._engine, "checkin", self._on_checkin)
        event.remove(self._engine, "commit", self._on_commit)
        self._stopping = True
        self._wanted.set()
        self._thread.join()


def _no_automatic_checkpoints(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA wal_autocheckpoint = 0").close()
