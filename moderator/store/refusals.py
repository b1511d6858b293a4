"""What a database's refusal means for the person at the desk, in plain words.

A write refused by the database (a full disk, a read-only file or server, a lock held too
long by another program, a lost connection) rolls the whole unit of work back: nothing of
it was saved. These messages say so, say what to do, and keep the driver's own words for
whoever has to look deeper.
"""

from __future__ import annotations

import errno
import resource
import shutil
from dataclasses import dataclass
from pathlib import Path

# PostgreSQL's codes (SQLSTATE) for the same situations.
DISK_FULL = "53100"
OUT_OF_MEMORY = "53200"
READ_ONLY_TRANSACTION = "25006"
INSUFFICIENT_PRIVILEGE = "42501"
LOCK_NOT_AVAILABLE = "55P03"
CONNECTION_CODES = ("08000", "08003", "08006", "57P01", "57P02", "57P03")

NOTHING_SAVED = "Nothing of it was saved."
# Below this much free space a disk is called full: SQLite needs a page and a WAL frame or two
# more, and reports the lack only as "disk I/O error" (the errno is not passed on).
FULL_BELOW = 1 << 20


@dataclass(frozen=True, slots=True)
class DiskTrouble:
    """Why a write failed, as the system shows it: ``what`` happened, what to do ``then``."""

    what: str
    then: str

    def __str__(self) -> str:
        return self.what


def disk_trouble(path: Path) -> DiskTrouble | None:
    """Why writing beside ``path`` (a SQLite file) fails, when the system shows a cause:
    the file-size limit reached by it or a file beside it, or a full disk; else None.

    SQLite reports both as "disk I/O error" or "database or disk is full", without the
    errno (EFBIG, ENOSPC), so the cause is read from the system's state, and named only
    when that state shows it.
    """
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    if limit != resource.RLIM_INFINITY:
        for suffix in ("", "-wal", "-shm", "-journal"):
            beside = path.with_name(path.name + suffix)
            try:
                size = beside.stat().st_size
            except OSError:
                continue
            if size + FULL_BELOW > limit:
                return DiskTrouble(
                    f"{beside} would exceed the file-size limit (ulimit -f: {limit:,} bytes)",
                    "Raise the limit (ulimit -f), then do it again.",
                )
    try:
        free = shutil.disk_usage(path.parent).free
    except OSError:
        return None
    if free < FULL_BELOW:
        return DiskTrouble(
            f"the disk holding {path} is full ({free:,} bytes free)",
            "Free some space, then do it again.",
        )
    return None


def driver_words(error: BaseException) -> str:
    """The driver's own message (without SQLAlchemy's wrapping and links), on one line."""
    original = getattr(error, "orig", None) or error
    return " ".join(str(original).split())


def cannot_write(error: BaseException) -> bool:
    """Whether ``error`` refused a write because nothing may be written (a read-only file,
    folder or server, a full disk, a failing write): reading may still work."""
    lowered = driver_words(error).lower()
    code = getattr(getattr(error, "orig", None), "sqlstate", None)
    return code in (DISK_FULL, READ_ONLY_TRANSACTION) or any(
        words in lowered for words in ("disk i/o error", "disk is full", "readonly", "read-only")
    )


def explain_refusal(error: BaseException, *, database: Path | None = None) -> str:
    """A refused unit of work, explained: what happened, that nothing was saved, what to do,
    then the driver's words in brackets. ``database``: the SQLite file, whose disk and size
    limit are looked at when the driver reports a fault in writing."""
    words = driver_words(error)
    lowered = words.lower()
    code = getattr(getattr(error, "orig", None), "sqlstate", None)
    os_errno = getattr(getattr(error, "orig", error), "errno", None)
    trouble = None
    if database is not None and cannot_write(error):
        # A file opened for reading because its disk is full refuses as "readonly": the
        # disk, not the file, is what to name then.
        trouble = disk_trouble(database)
    if trouble is not None:
        what = trouble.what[0].upper() + trouble.what[1:]
        return f"{what}. {NOTHING_SAVED} {trouble.then} ({words})"
    if (
        code == DISK_FULL
        or os_errno == errno.ENOSPC
        or "database or disk is full" in lowered
        or "no space left on device" in lowered
    ):
        what = "The disk that holds the database is full."
        then = "Free some space, then do it again."
    elif (
        code in (READ_ONLY_TRANSACTION, INSUFFICIENT_PRIVILEGE)
        or "readonly database" in lowered
        or "read-only" in lowered
    ):
        what = "The database can be read but not written (a read-only file, folder or server)."
        then = "Reading still works; to decide, open a database you may write to."
    elif code == LOCK_NOT_AVAILABLE or "database is locked" in lowered:
        what = "Another program held the database for too long."
        then = "Do it again in a moment."
    elif code in CONNECTION_CODES or "server closed the connection" in lowered:
        what = "The connection to the database server was lost."
        then = "Check the server or the network, then do it again."
    elif code == OUT_OF_MEMORY or "out of memory" in lowered:
        what = "The database ran out of memory."
        then = "Close other programs, then do it again."
    else:
        return f"The database refused it: {words}. {NOTHING_SAVED}"
    return f"{what} {NOTHING_SAVED} {then} ({words})"
