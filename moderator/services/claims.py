"""Claims: the comment a moderator has open is marked as being reviewed, until it expires.

A desk (one window) holds at most one claim: opening another comment moves it. A claim is
advisory: teammates' "next" passes the comment by, and anyone may still open and decide it
(the comment's version guards the decision itself). Claims are not logged; they lapse on
their own when a desk closes or crashes, because each lasts :data:`CLAIM_TTL` unless renewed,
and a desk that starts ends those its holder's earlier desks on the machine left behind.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from moderator.store.models import Base, Claim, utc_now
from moderator.store.notify import announce

# Long enough to read a long thread; a desk renews its claim well before (see ui/common/live.py).
CLAIM_TTL = timedelta(minutes=3)


@dataclass(frozen=True, slots=True)
class ClaimRow:
    """Who has a comment open, and until when."""

    comment_id: int
    holder: str
    desk: str
    expires_at: datetime


def this_host() -> str:
    """The name of this machine, as claims record it."""
    return socket.gethostname()[:255]  # the column's width; host names are shorter


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` runs on this machine; True when that cannot be told (a claim
    is then left to lapse rather than ended under a desk that may still be open)."""
    if pid <= 0:
        return True
    if sys.platform == "win32":
        return _windows_process_alive(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # e.g. another user's process: it exists
    return True


if sys.platform == "win32":
    import ctypes

    def _windows_process_alive(pid: int) -> bool:
        # os.kill(pid, 0) would end the process on Windows: ask for its exit code instead.
        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return bool(kernel32.GetLastError() != 87)  # ERROR_INVALID_PARAMETER: no such pid
        try:
            code = ctypes.c_ulong()
            if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
                return True
            return code.value == 259  # STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)


def database_now(session: Session) -> datetime:
    """The time by the database's clock where desks share a server (PostgreSQL), so that
    claims made on machines whose clocks differ expire alike; else this machine's."""
    if session.get_bind().dialect.name == "postgresql":
        found = session.scalar(select(func.now()))
        if isinstance(found, datetime):
            return found.astimezone(UTC)
    return utc_now()


def claim(
    session: Session,
    comment_id: int,
    *,
    holder: str,
    desk: str,
    now: datetime | None = None,
    ttl: timedelta = CLAIM_TTL,
    host: str | None = None,
    pid: int | None = None,
) -> ClaimRow:
    """Mark ``comment_id`` as open at ``desk`` (``holder`` at the desk), or renew that mark;
    the desk's claim on any other comment ends, and lapsed claims are cleared. Returns the
    comment's claim as it now stands: another desk's, unchanged, if that one holds it and has
    not expired. The desk runs in process ``pid`` on machine ``host`` (by default, this one).
    """
    now = database_now(session) if now is None else now
    host = this_host() if host is None else host
    pid = os.getpid() if pid is None else pid
    session.execute(
        delete(Claim).where(
            or_(
                and_(Claim.desk == desk, Claim.comment_id != comment_id),
                Claim.expires_at <= now,
            )
        )
    )
    mark = {"holder": holder, "desk": desk, "expires_at": now + ttl, "host": host, "pid": pid}
    table = Base.metadata.tables[Claim.__tablename__]
    upsert: Any
    if session.get_bind().dialect.name == "postgresql":
        upsert = postgresql.insert(table)
    else:
        upsert = sqlite.insert(table)
    # Taken over only when it is this desk's own, or lapsed: one statement, so two desks
    # opening the same comment at once cannot both think they have it.
    session.execute(
        upsert.values(comment_id=comment_id, **mark).on_conflict_do_update(
            index_elements=[table.c.comment_id],
            set_=mark,
            where=(table.c.desk == desk) | (table.c.expires_at <= now),
        )
    )
    announce(session)
    row = session.execute(
        select(Claim.comment_id, Claim.holder, Claim.desk, Claim.expires_at).where(
            Claim.comment_id == comment_id
        )
    ).one()
    return ClaimRow(*row)


def release(session: Session, *, desk: str) -> int:
    """End the desk's claim (its window closes, or shows no comment); how many ended."""
    result = session.execute(delete(Claim).where(Claim.desk == desk))
    announce(session)
    return int(getattr(result, "rowcount", 0) or 0)


def release_left_behind(
    session: Session,
    *,
    holder: str,
    desk: str,
    desks_here: Collection[str] = (),
    host: str | None = None,
    pid: int | None = None,
    alive: Callable[[int], bool] = process_alive,
) -> int:
    """End ``holder``'s claims that desks on this machine left behind: their process has
    ended without releasing them (killed, crashed), or had this process's number and is none
    of ``desks_here`` (this process's desks still open; the number was used again). Called
    as ``desk`` starts, so that nobody is kept off their own comment until the claim lapses.
    Other people's claims, and claims from other machines, are left to lapse. How many ended.
    """
    host = this_host() if host is None else host
    pid = os.getpid() if pid is None else pid
    found = session.execute(
        select(Claim.desk, Claim.pid).where(
            Claim.holder == holder, Claim.host == host, Claim.desk != desk
        )
    ).all()
    gone = {
        other
        for other, its_pid in found
        if (other not in desks_here if its_pid == pid else not alive(its_pid))
    }
    if not gone:
        return 0
    # By desk, not by comment: a comment let go meanwhile may already be another desk's.
    result = session.execute(delete(Claim).where(Claim.desk.in_(gone)))
    announce(session)
    return int(getattr(result, "rowcount", 0) or 0)


def claims_of_others(
    session: Session, *, desk: str, now: datetime | None = None
) -> dict[int, ClaimRow]:
    """The live claims of every desk but ``desk``, by comment. Lapsed claims are not listed."""
    now = database_now(session) if now is None else now
    query = select(Claim.comment_id, Claim.holder, Claim.desk, Claim.expires_at).where(
        Claim.desk != desk, Claim.expires_at > now
    )
    return {row[0]: ClaimRow(*row) for row in session.execute(query)}
