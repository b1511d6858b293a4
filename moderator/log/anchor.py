"""The log's head kept outside the database (an anchor), and the log checked against one later.

Inside the database nothing stops someone with write access from cutting entries off the
end and moving the head record back, or from writing the whole chain anew: every check the
log makes of itself then passes. A copy of the head taken earlier and kept elsewhere does not
move with it: the log must still hold that entry, unchanged, and go on from it.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from moderator.formats import json_read
from moderator.formats.modlog import GENESIS, time_text
from moderator.log.queries import read_head
from moderator.settings import SettingsError, anchor_folder
from moderator.store.database import Database
from moderator.store.models import LogEntryRow, utc_now

FORMAT = "moderator-log-head"
_HEX = frozenset("0123456789abcdef")


class AnchorError(ValueError):
    """An anchor that cannot be written or read; the message says why."""


@dataclass(frozen=True, slots=True)
class Anchor:
    """The log's head at one moment: its last entry's number and hash, that entry's time
    (None for an empty log), and when the anchor was taken."""

    seq: int
    hash: str
    time: str | None
    taken_at: str

    def as_object(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "seq": self.seq,
            "hash": self.hash,
            "time": self.time,
            "taken_at": self.taken_at,
        }


def current_anchor(session: Session) -> Anchor:
    """The head as the log holds it now (the head record, and its entry's time)."""
    head = read_head(session)
    if head is None:
        raise AnchorError("the log has lost its head record: `moderator log verify` says more")
    at: datetime | None = session.scalar(
        select(LogEntryRow.created_at).where(LogEntryRow.seq == head.seq)
    )
    return Anchor(head.seq, head.hash, None if at is None else time_text(at), time_text(utc_now()))


def _database_files(database: Database) -> set[Path]:
    """The files a SQLite database is made of (none for a server)."""
    url = database.engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return set()
    path = Path(url.database).resolve()
    return {path, *(path.with_name(path.name + tail) for tail in ("-wal", "-shm", "-journal"))}


def write_anchor(anchor: Anchor, path: Path, *, database: Database | None = None) -> Path:
    """Write the anchor to ``path`` whole or not at all (a file beside it, then renamed).
    Refuses the database's own files and anything but a regular file already there."""
    if database is not None and path.resolve() in _database_files(database):
        raise AnchorError(f"{path} is the database itself (or one of its files): not replaced")
    try:
        existing = path.lstat()
    except FileNotFoundError:
        existing = None
    except OSError as error:
        raise AnchorError(f"{path}: {error.strerror or error}") from None
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        raise AnchorError(f"{path} exists and is not a regular file: not replaced")
    text = json.dumps(anchor.as_object(), indent=2) + "\n"
    try:
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", delete=False
        ) as temporary:
            temporary.write(text)
            temporary.flush()
            os.fsync(temporary.fileno())
        try:
            Path(temporary.name).replace(path)
        except OSError:
            Path(temporary.name).unlink(missing_ok=True)
            raise
    except OSError as error:
        raise AnchorError(f"{path}: cannot write: {error.strerror or error}") from None
    return path


def save_head(database: Database, folder: Path) -> Path:
    """Write the log's head now into ``folder`` (made if need be), named by entry and time,
    so that each one kept is a separate anchor; its path."""
    with database.session() as session:
        anchor = current_anchor(session)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise AnchorError(f"{folder}: {error.strerror or error}") from None
    stamp = anchor.taken_at.replace("-", "").replace(":", "")[:15]
    return write_anchor(
        anchor, folder / f"moderator-log-head-{anchor.seq}-{stamp}Z.json", database=database
    )


def save_head_if_chosen(database: Database) -> Path | None:
    """:func:`save_head` into the folder the settings name (``anchor_folder``), if any: what
    the window does as it closes. Where it went; AnchorError if it could not be kept."""
    try:
        folder = anchor_folder()
    except SettingsError as error:
        raise AnchorError(str(error)) from None
    if folder is None:
        return None
    try:
        return save_head(database, folder)
    except SQLAlchemyError as error:
        raise AnchorError(f"the log's head could not be read: {error}") from error


def read_anchor(path: Path) -> Anchor:
    """The anchor in ``path``; AnchorError if it is not one."""
    try:
        loaded = json_read.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise AnchorError(f"{path}: {error.strerror or error}") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise AnchorError(f"{path} is not a log head written by Moderator ({error})") from None
    except RecursionError:
        raise AnchorError(
            f"{path} is not a log head written by Moderator (nested too deep)"
        ) from None
    if not isinstance(loaded, dict) or loaded.get("format") != FORMAT:
        raise AnchorError(f"{path} is not a log head written by Moderator")
    seq, digest = loaded.get("seq"), loaded.get("hash")
    time, taken_at = loaded.get("time"), loaded.get("taken_at")
    if (
        type(seq) is not int
        or seq < 0
        or not isinstance(digest, str)
        or len(digest) != 64
        or not set(digest) <= _HEX
        or (seq == 0 and digest != GENESIS)
        or not (time is None or isinstance(time, str))
        or not isinstance(taken_at, str)
    ):
        raise AnchorError(f"{path}: the log head in it is malformed")
    return Anchor(seq, digest, time, taken_at)


def anchor_problem(session: Session, anchor: Anchor) -> str | None:
    """Why the log does not extend the anchor; None if it holds the anchored entry unchanged
    (its hash covers every entry before it, through their links: the chain's own check
    says whether those hold)."""
    if anchor.seq == 0:
        return None
    taken = f"the log head taken at {anchor.taken_at}"
    stored = session.scalar(select(LogEntryRow.hash).where(LogEntryRow.seq == anchor.seq))
    if stored is None:
        last = session.scalar(select(func.max(LogEntryRow.seq))) or 0
        return (
            f"the log ends at entry {last} but {taken} shows it reached entry"
            f" {anchor.seq}: entries were cut off the end"
        )
    if stored != anchor.hash:
        return (
            f"entry {anchor.seq} is not the one {taken} names (its hash differs): the log was"
            " rewritten up to there and chained anew"
        )
    return None
