"""What a database's refusal means for the person at the desk, in plain words.

A write refused by the database (a full disk, a read-only file or server, a lock held too
long by another program, a lost connection) rolls the whole unit of work back: nothing of
it was saved. These messages say so, say what to do, and keep the driver's own words for
whoever has to look deeper.
"""

from __future__ import annotations

import errno

# PostgreSQL's codes (SQLSTATE) for the same situations.
DISK_FULL = "53100"
OUT_OF_MEMORY = "53200"
READ_ONLY_TRANSACTION = "25006"
INSUFFICIENT_PRIVILEGE = "42501"
LOCK_NOT_AVAILABLE = "55P03"
CONNECTION_CODES = ("08000", "08003", "08006", "57P01", "57P02", "57P03")

NOTHING_SAVED = "Nothing of it was saved."


def driver_words(error: BaseException) -> str:
    """The driver's own message (without SQLAlchemy's wrapping and links), on one line."""
    original = getattr(error, "orig", None) or error
    return " ".join(str(original).split())


def explain_refusal(error: BaseException) -> str:
    """A refused unit of work, explained: what happened, that nothing was saved, what to do,
    then the driver's words in brackets."""
    words = driver_words(error)
    lowered = words.lower()
    code = getattr(getattr(error, "orig", None), "sqlstate", None)
    os_errno = getattr(getattr(error, "orig", error), "errno", None)
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
