"""Fixtures for the window tests: a desk on a real database and articles made to order."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from moderator.domain import ReasonCode, Status
from moderator.formats.records import IncomingArticle, IncomingComment
from moderator.models import Comment, ModerationAction
from moderator.queue import QueueFilter
from moderator.services.importing import import_article
from moderator.storage import Database
from ui.desk import Desk
from ui.queue_model import CommentQueueModel

T0 = datetime(2025, 1, 14, 8, 0, tzinfo=UTC)
HOSTILE = "<b>bold</b><script>alert(1)</script><img src=x onerror=alert(1)>"

AddArticle = Callable[..., int]
# How long a test waits for background work (an import, a rule run) to report back: generous,
# as a busy machine is slow; the wait ends as soon as the signal comes.
WORK_TIMEOUT_MS = 30_000


@pytest.fixture
def desk(database: Database) -> Desk:
    return Desk(database, actor="tester")


@pytest.fixture
def add_article(database: Database) -> AddArticle:
    """Store an article with these comment bodies (or ``count`` numbered ones); its id."""
    made = 0

    def add(
        bodies: Sequence[str] = (), *, count: int = 0, title: str | None = None, body: str = "Text."
    ) -> int:
        nonlocal made
        made += 1
        texts = list(bodies) or [f"comment {i}" for i in range(1, count + 1)]
        comments = tuple(
            IncomingComment(f"author{i % 7}", T0 + timedelta(minutes=i), text)
            for i, text in enumerate(texts)
        )
        incoming = IncomingArticle(title or f"Article {made}", body, f"a{made}.txt", comments)
        with database.transaction() as session:
            return import_article(session, incoming).article_id

    return add


def status_of(database: Database, comment_id: int) -> Status:
    with database.session() as session:
        comment = session.get(Comment, comment_id)
        assert comment is not None
        return comment.status


def actions_on(database: Database, comment_id: int) -> list[tuple[str, ReasonCode | None, str]]:
    """The history of a comment as (action, reason, actor name)."""
    with database.session() as session:
        rows = session.scalars(
            select(ModerationAction)
            .where(ModerationAction.comment_id == comment_id)
            .order_by(ModerationAction.id)
        )
        return [(row.action.value, row.reason, row.actor.name) for row in rows]


def queue_model(database: Database, queue: QueueFilter | None) -> CommentQueueModel:
    """A comment queue model showing ``queue`` (None: no queue chosen)."""
    model = CommentQueueModel(database)
    model.set_queue(queue)
    return model
