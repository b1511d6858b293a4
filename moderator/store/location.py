"""Where the database is, in words for people, and a team server's address from its parts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

# "scheme://user:PASSWORD@": what a message about an unreadable address must not repeat.
_PASSWORD = re.compile(r"(://[^/@:]*:)[^/]*@")
# The driver a server address built from its parts names: the team's PostgreSQL server.
SERVER_DRIVER = "postgresql+psycopg"


@dataclass(frozen=True, slots=True)
class ServerAddress:
    """A database server's address in parts. The password (if the address has one) is kept
    so that the address still works, and never put in words; the driver and the options
    (``sslmode=require``...) of an address given whole are kept too."""

    host: str
    database: str
    user: str = ""
    port: int | None = None
    password: str | None = None
    driver: str = SERVER_DRIVER
    options: tuple[tuple[str, str], ...] = ()

    def url(self) -> str:
        """The address as Moderator is told it (``--db``, the settings), password included."""
        return URL.create(
            self.driver,
            username=self.user or None,
            password=self.password or None,
            host=self.host,
            port=self.port,
            database=self.database,
            query=dict(self.options),
        ).render_as_string(hide_password=False)

    def words(self) -> str:
        """``db.example.org, database moderation, as user ann``."""
        where = self.host + (f" port {self.port}" if self.port else "")
        return f"{where or 'this computer'}, database {self.database or '(none named)'}" + (
            f", as user {self.user}" if self.user else ""
        )

    def place(self) -> str:
        """The server as a sentence names it: ``the server db.example.org (database
        moderation, user ann)``."""
        where = self.host + (f":{self.port}" if self.port else "")
        return f"the server {where or 'on this computer'} (database {self.database}" + (
            f", user {self.user})" if self.user else ")"
        )


def masked(location: str) -> str:
    """``location`` with a password in it as ``***``, however else it is written (for
    messages about an address that could not be read)."""
    return _PASSWORD.sub(r"\1***@", location)


def is_address(location: str) -> bool:
    """Whether ``location`` is a database URL rather than a file's path (as ``--db`` reads
    it: a URL has ``://``)."""
    return "://" in location


def server_address(location: str) -> ServerAddress | None:
    """The parts of a server's URL; None for a file's path, a SQLite URL, or text that is
    not a URL."""
    if not is_address(location):
        return None
    try:
        url = make_url(location)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        return None
    if url.get_backend_name() == "sqlite":
        return None
    return ServerAddress(
        host=url.host or "",
        database=url.database or "",
        user=url.username or "",
        port=url.port,
        password=url.password if isinstance(url.password, str) else None,
        driver=url.drivername,
        options=tuple(
            (key, value if isinstance(value, str) else ",".join(value))
            for key, value in sorted(url.query.items())
        ),
    )


def file_path(location: str) -> str | None:
    """The SQLite file ``location`` names (a path, or a SQLite URL); None for a server or
    a database in memory."""
    if not is_address(location):
        return location
    try:
        url = make_url(location)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        return None
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return url.database


def describe(location: str) -> str:
    """Where ``location`` (a file's path or a database URL) is, in words; never its password.

    ``A file on this computer: /home/ann/moderator.sqlite3``, or ``The team's server:
    db.example.org, database moderation, as user ann``.
    """
    location = location.strip()
    if not is_address(location):
        return f"A file on this computer: {Path(location).expanduser()}"
    try:
        url = make_url(location)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        # Not repeated: it may hold a password.
        return "An address Moderator cannot read as a database URL"
    if url.get_backend_name() == "sqlite":
        if url.database in (None, "", ":memory:"):
            return "A database in memory, gone when Moderator closes"
        return f"A file on this computer: {url.database}"
    address = server_address(location)
    assert address is not None
    return f"The team's server: {address.words()}"
