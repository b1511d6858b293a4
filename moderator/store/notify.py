"""Telling other desks that something changed: the NOTIFY every writer sends on PostgreSQL."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

# The one channel every desk NOTIFYs and LISTENs on; the payload is not used.
CHANNEL = "moderator"


def announce(session: Session) -> None:
    """Tell listening desks, once this unit of work commits, that something changed
    (PostgreSQL delivers it at commit, and not at all on rollback; SQLite desks poll).
    Called by every writer of the log and of the claims."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})
