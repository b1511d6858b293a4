"""Claims: the comment a moderator has open is marked as being reviewed, until it expires.

A desk (one window) holds at most one claim: opening another comment moves it. A claim is
advisory: teammates' "next" passes the comment by, and anyone may still open and decide it
(the comment's version guards the decision itself). Claims are not logged; they lapse on
their own when a desk closes or crashes, because each lasts :data:`CLAIM_TTL` unless renewed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from moderator.models import Base, Claim, utc_now
from moderator.notify import announce

# Long enough to read a long thread; a desk renews its claim well before (see ui/live.py).
CLAIM_TTL = timedelta(minutes=3)


@dataclass(frozen=True, slots=True)
class ClaimRow:
    """Who has a comment open, and until when."""

    comment_id: int
    holder: str
    desk: str
    expires_at: datetime


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
) -> ClaimRow:
    """Mark ``comment_id`` as open at ``desk`` (``holder`` at the desk), or renew that mark;
    the desk's claim on any other comment ends, and lapsed claims are cleared. Returns the
    comment's claim as it now stands: another desk's, unchanged, if that one holds it and has
    not expired.
    """
    now = database_now(session) if now is None else now
    session.execute(
        delete(Claim).where(
            or_(
                and_(Claim.desk == desk, Claim.comment_id != comment_id),
                Claim.expires_at <= now,
            )
        )
    )
    values = {"comment_id": comment_id, "holder": holder, "desk": desk, "expires_at": now + ttl}
    table = Base.metadata.tables[Claim.__tablename__]
    upsert: Any
    if session.get_bind().dialect.name == "postgresql":
        upsert = postgresql.insert(table)
    else:
        upsert = sqlite.insert(table)
    # Taken over only when it is this desk's own, or lapsed: one statement, so two desks
    # opening the same comment at once cannot both think they have it.
    session.execute(
        upsert.values(values).on_conflict_do_update(
            index_elements=[table.c.comment_id],
            set_={"holder": holder, "desk": desk, "expires_at": now + ttl},
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


def claims_of_others(
    session: Session, *, desk: str, now: datetime | None = None
) -> dict[int, ClaimRow]:
    """The live claims of every desk but ``desk``, by comment. Lapsed claims are not listed."""
    now = database_now(session) if now is None else now
    query = select(Claim.comment_id, Claim.holder, Claim.desk, Claim.expires_at).where(
        Claim.desk != desk, Claim.expires_at > now
    )
    return {row[0]: ClaimRow(*row) for row in session.execute(query)}
