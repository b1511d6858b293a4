"""What every importer hands over to be stored, whatever the source format."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from moderator.formats.errors import FormatWarning


@dataclass(frozen=True, slots=True)
class IncomingComment:
    """A comment as any importer hands it over, whatever the source format."""

    author: str
    posted_at: datetime
    body: str
    external_id: str | None = None
    # The platform's id of the comment this one answers (threads), if any.
    parent_external_id: str | None = None
    # Where the platform had it: "pending", "approved" or "hidden" (with ``reason``).
    state: str = "pending"
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class IncomingArticle:
    """An article as any importer hands it over; ``source`` names the file or URL."""

    title: str
    body: str
    source: str
    comments: tuple[IncomingComment, ...]
    warnings: tuple[FormatWarning, ...] = ()
