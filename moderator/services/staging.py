"""An import written in parts, so that no transaction of it holds the write lock for long.

A file's new comments are stored a part at a time, out of sight (``moderator.store.visibility``),
with their flags and, as ``ImportStep`` rows, the log entries they will get: the part's
import entry with its record of comments, the rules' flags and hides. Then each part is
shown in one transaction of its own: its entries appended to the log and its comments (and
a new article) made visible together, so the log never names a comment nobody can see, and
no comment is seen before the rules' verdict on it is.

Each function here is one such transaction's work in the caller's unit of work; the
importer (``moderator.imports.importer``) strings them together. Only one import is written at a
time: the ``import_batch`` row is the lock, and the batch of an import whose process has
ended is discarded (still staging) or finished (publishing) by the next.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import groupby
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from moderator.domain import ActionKind, ReasonCode, Status
from moderator.formats.modlog import COMMENT_RECORD, comment_digest, comment_record, evidence_text
from moderator.formats.records import IncomingArticle
from moderator.rules.model import RuleSet
from moderator.services.changes import ImportChange
from moderator.services.claims import process_alive, this_host
from moderator.services.flagging import (
    Checked,
    first_hides,
    hide_note,
    insert_flags,
    rule_set_entry,
)
from moderator.services.history import Actor, NewEntry, append, lock_log
from moderator.services.importing import (
    IMPORT_ACTION,
    UNNAMED_IMPORTER,
    article_hash,
    ensure_authors,
    find_or_add_article,
    locked_entry,
    locked_import,
    placed,
    platform_state_entry,
    reserve_ids,
    stored_positions,
)
from moderator.store.batching import chunked
from moderator.store.bulk import insert_many
from moderator.store.models import (
    NOT_FLAGGED,
    Article,
    Author,
    Base,
    Comment,
    Flag,
    ImportBatch,
    ImportMove,
    ImportStep,
    utc_now,
)
from moderator.store.visibility import ALL_ROWS

STAGING = "staging"
PUBLISHING = "publishing"
# The one row of import_batch (it is the lock between imports).
_BATCH = 1
# Comments per part: each part is staged in one transaction and shown in another, well
# under a second each, so that another desk's decision waits that long at most.
PART_SIZE = 5_000
# A batch written from another machine that has not moved for this long was abandoned
# (its process cannot be asked whether it still runs).
STALE_AFTER = timedelta(minutes=2)


@dataclass(frozen=True, slots=True)
class Holder:
    """Who is writing an import (the lock's holder), and whether it still runs."""

    actor: str
    source: str
    started_at: datetime
    state: str
    alive: bool


def claim(
    session: Session, *, actor: str, source: str, writing_here: bool = False
) -> Holder | None:
    """Take the lock for a new import (None), or say who holds it. ``writing_here``: this
    process is writing an import now (else a batch under its own number was left behind)."""
    batch = session.get(ImportBatch, _BATCH, with_for_update=True)
    now = utc_now()
    if batch is not None:
        if batch.host == this_host():
            alive = writing_here if batch.pid == os.getpid() else process_alive(batch.pid)
        else:
            alive = now - batch.touched_at < STALE_AFTER
        return Holder(batch.actor, batch.source, batch.started_at, batch.state, alive)

    def largest(column: Any) -> int:
        return (
            session.scalar(select(func.coalesce(func.max(column), 0)), execution_options=ALL_ROWS)
            or 0
        )

    session.add(
        ImportBatch(
            id=_BATCH,
            state=STAGING,
            comments_upto=largest(Comment.id),
            articles_upto=largest(Article.id),
            authors_upto=largest(Author.id),
            actor=actor,
            source=source,
            host=this_host(),
            pid=os.getpid(),
            started_at=now,
            touched_at=now,
        )
    )
    session.flush()
    return None


def discard_some(session: Session) -> bool:
    """Delete a part of a batch that was never shown (staging); True once it is all gone."""
    batch = session.get(ImportBatch, _BATCH, with_for_update=True)
    if batch is None:
        return True
    ids = session.scalars(
        select(Comment.id)
        .where(Comment.id > batch.comments_upto)
        .order_by(Comment.id.desc())
        .limit(PART_SIZE),
        execution_options=ALL_ROWS,
    ).all()
    if ids:
        session.execute(delete(Flag).where(Flag.comment_id.in_(ids)), execution_options=ALL_ROWS)
        session.execute(
            delete(Base.metadata.tables[Comment.__tablename__]).where(
                Base.metadata.tables[Comment.__tablename__].c.id.in_(ids)
            )
        )
        return False
    articles = Base.metadata.tables[Article.__tablename__]
    session.execute(delete(articles).where(articles.c.id > batch.articles_upto))
    session.execute(delete(Author).where(Author.id > batch.authors_upto))
    _end(session)
    return True


def _end(session: Session) -> None:
    session.execute(delete(ImportStep))
    session.execute(delete(ImportMove))
    session.execute(delete(ImportBatch))


def limits(session: Session) -> int:
    """The comments' limit of the import being written (what is shown)."""
    return session.scalar(select(ImportBatch.comments_upto).where(ImportBatch.id == _BATCH)) or 0


def state(session: Session) -> str | None:
    """The state of the import being written (None: there is none)."""
    return session.scalar(select(ImportBatch.state).where(ImportBatch.id == _BATCH))


@dataclass(slots=True)
class Plan:
    """An article of the import and its comments to add, worked out before they are stored."""

    article_id: int
    title: str
    created: bool
    already: int
    # (fingerprint, position, reserved id) of each comment to add, in id order.
    new: list[tuple[str, int, int]]
    # The article's limit once shown (a new article's id; else the batch's).
    articles_upto: int
    # The source an article already stored takes from this import (None: a new article).
    new_source: str | None
    # Replies among the comments to add, linked once they are all stored: (id, parent's id).
    replies: list[tuple[int, int]] = field(default_factory=list)
    # The entry of an import into a locked article (which adds nothing).
    locked: ImportChange | None = None
    # A file read a part at a time is planned a part at a time: ``new`` is then the part
    # ``first_part``'s, and ``all_new`` counts the whole file's comments to add.
    first_part: int = 0
    all_new: int = -1
    parts: int = field(init=False)

    def __post_init__(self) -> None:
        if self.all_new < 0:
            self.all_new = len(self.new)
        self.parts = -(-self.all_new // PART_SIZE)

    def part(self, index: int) -> list[tuple[str, int, int]]:
        start = (index - self.first_part) * PART_SIZE
        return self.new[start : start + PART_SIZE]


def new_prints(session: Session, incoming: IncomingArticle, prints: Sequence[str]) -> bool | None:
    """Whether the file adds comments (None: its article is locked, so it adds none)."""
    digest = article_hash(incoming.title, incoming.body)
    found = session.execute(
        select(Article.id, Article.locked).where(Article.content_hash == digest)
    ).first()
    if found is None:
        return bool(prints)
    if found.locked:
        return None
    stored = stored_positions(session, found.id)
    return any(fingerprint not in stored for fingerprint in prints)


def plan_article(
    session: Session,
    incoming: IncomingArticle,
    prints: Sequence[str],
    *,
    now: datetime,
    above: int = 0,
) -> Plan:
    """The article (a new one stored out of sight) and ids for the comments to add (above
    ``above``: ids planned for comments not stored yet); the places and parents the stored
    comments take are kept for the last part."""
    batch = session.get(ImportBatch, _BATCH)
    assert batch is not None, "plan_article needs the import lock (claim)"
    article, created = find_or_add_article(session, incoming, now=now)
    if article.locked:
        return Plan(
            article.id,
            article.title,
            created=False,
            already=0,
            new=[],
            articles_upto=batch.articles_upto,
            new_source=None,
            locked=locked_import(session, article, incoming, list(prints)),
        )
    stored = {} if created else stored_positions(session, article.id)
    adding, moved = placed(stored, prints)
    ids = reserve_ids(session, [fingerprint for fingerprint, _ in adding], above=above).ids
    later: dict[int, dict[str, int | None]] = {
        comment_id: {"comment_id": comment_id, "position": position, "parent_id": None}
        for comment_id, position in moved
    }
    replies: list[tuple[int, int]] = []
    if any(comment.parent_external_id for comment in incoming.comments):
        rows = session.execute(
            select(Comment.external_id, Comment.id).where(
                Comment.article_id == article.id, Comment.external_id.is_not(None)
            )
        )
        known: dict[str | None, int] = {row[0]: row[1] for row in rows}
        known.update(
            (comment.external_id, ids[fingerprint])
            for fingerprint, comment in zip(prints, incoming.comments, strict=True)
            if comment.external_id is not None and fingerprint in ids
        )
        for fingerprint, comment in zip(prints, incoming.comments, strict=True):
            child = known.get(comment.external_id) if comment.external_id else None
            parent = known.get(comment.parent_external_id) if comment.parent_external_id else None
            if child is None or parent is None:
                continue
            if fingerprint in ids:
                replies.append((child, parent))
            else:
                # A stored comment's reply link, as the newest export has it.
                later.setdefault(child, {"comment_id": child, "position": None, "parent_id": None})[
                    "parent_id"
                ] = parent
    _stage_moves(session, list(later.values()))
    return Plan(
        article_id=article.id,
        title=article.title,
        created=created,
        already=len(prints) - len(adding),
        new=[(fingerprint, position, ids[fingerprint]) for fingerprint, position in adding],
        articles_upto=article.id if created else batch.articles_upto,
        new_source=None if created else incoming.source,
        replies=replies,
    )


def articles_limit(session: Session) -> int:
    """The articles shown before this import (its new articles come after)."""
    batch = session.get(ImportBatch, _BATCH)
    assert batch is not None, "articles_limit needs the import lock (claim)"
    return batch.articles_upto


def stage_moves(session: Session, moved: Sequence[tuple[int, int]]) -> None:
    """The new places of stored comments, (id, position) each, taken once all is shown."""
    _stage_moves(
        session, [{"comment_id": cid, "position": at, "parent_id": None} for cid, at in moved]
    )


def _stage_moves(session: Session, rows: Sequence[Mapping[str, int | None]]) -> None:
    for chunk in chunked(list(rows)):
        insert_many(session, Base.metadata.tables[ImportMove.__tablename__], chunk)


def stage_part(
    session: Session,
    plan: Plan,
    index: int,
    incoming: IncomingArticle,
    by_print: Mapping[str, int],
    *,
    actor: Actor,
    now: datetime,
    number: int,
    shown_upto: int,
    rules: tuple[RuleSet, Checked] | None = None,
    first_checked: bool = True,
) -> int:
    """Store one part's comments (out of sight) and flags, and the log entries that will
    show them, as the import's part ``number``; the comments' limit once it is shown.
    ``by_print``: each fingerprint's place in ``incoming.comments``; ``shown_upto``: the
    limit before it (what a part without comments leaves it at); ``first_checked``: no part
    of the import checked by the rules was stored before (the rule set's first use is
    logged with it)."""
    part = plan.part(index)
    comments = incoming.comments
    authors = ensure_authors(session, {comments[by_print[p]].author for p, _, _ in part}, now=now)
    urgency = {} if rules is None else rules[1].urgency()
    rows: list[dict[str, object]] = []
    for fingerprint, position, comment_id in part:
        comment = comments[by_print[fingerprint]]
        rows.append(
            {
                "id": comment_id,
                "article_id": plan.article_id,
                "position": position,
                "author_id": authors[comment.author],
                "posted_at": comment.posted_at,
                "body": comment.body,
                "status": Status.PENDING,
                "escalated": False,
                "external_id": comment.external_id,
                "fingerprint": fingerprint,
                "imported_at": now,
                "urgency": urgency.get(comment_id, NOT_FLAGGED),
            }
        )
    insert_many(session, Base.metadata.tables[Comment.__tablename__], rows)
    upto = part[-1][2] if part else shown_upto
    if plan.locked is not None:
        steps = [_step(actor, locked_entry(plan.locked, incoming))]
    else:
        steps = [_step(actor, _import_entry(plan, index, part, incoming, by_print))]
    statuses: dict[int, Status] = {}
    for fingerprint, _, comment_id in part:
        comment = comments[by_print[fingerprint]]
        if comment.state != "pending":
            entry, statuses[comment_id] = platform_state_entry(
                comment_id, plan.article_id, comment, incoming.source
            )
            steps.append(_step(UNNAMED_IMPORTER, entry, moves_comment=True))
    if rules is not None and part:
        steps += _rule_steps(
            session,
            rules,
            plan,
            first=part[0][2],
            last=upto,
            statuses=statuses,
            first_checked=first_checked,
        )
    first_n = session.scalar(select(func.coalesce(func.max(ImportStep.n), 0))) or 0
    insert_many(
        session,
        Base.metadata.tables[ImportStep.__tablename__],
        [
            {
                **step,
                "n": first_n + offset,
                "part": number,
                "comments_upto": upto,
                "articles_upto": plan.articles_upto,
                "new_source": plan.new_source if offset == 1 and index == 0 else None,
            }
            for offset, step in enumerate(steps, 1)
        ],
    )
    session.execute(update(ImportBatch).values(touched_at=utc_now()))
    return upto


def stage_replies(session: Session, replies: Sequence[tuple[int, int]]) -> None:
    """Link stored (not shown) replies to the comments they answer."""
    if not replies:
        return
    comments = Base.metadata.tables[Comment.__tablename__]
    session.execute(
        update(comments)
        .where(comments.c.id == bindparam("child"))
        .values(parent_id=bindparam("parent")),
        [{"child": child, "parent": parent} for child, parent in replies],
    )


def _import_entry(
    plan: Plan,
    index: int,
    part: Sequence[tuple[str, int, int]],
    incoming: IncomingArticle,
    by_print: Mapping[str, int],
) -> NewEntry:
    added = len(part)
    already = plan.already if index == 0 else 0
    said = f"{added} comments added, {already} already present"
    if index == 0 and plan.created:
        said += " (new article)"
    if plan.parts > 1:
        said += f" (part {index + 1} of {plan.parts}: {plan.all_new} in all)"
    comments = incoming.comments
    return NewEntry(
        IMPORT_ACTION,
        article_id=plan.article_id,
        note=said,
        evidence=evidence_text(
            {
                "source": incoming.source,
                "article_sha256": article_hash(incoming.title, incoming.body),
                "added": added,
                "already_present": already,
                COMMENT_RECORD: comment_record(
                    [
                        (
                            comment_id,
                            comment_digest(
                                comment_id,
                                plan.article_id,
                                comments[by_print[fingerprint]].author,
                                comments[by_print[fingerprint]].body,
                            ),
                        )
                        for fingerprint, _, comment_id in part
                    ]
                ),
            }
        ),
    )


def _rule_steps(
    session: Session,
    rules: tuple[RuleSet, Checked],
    plan: Plan,
    *,
    first: int,
    last: int,
    statuses: Mapping[int, Status],
    first_checked: bool,
) -> list[dict[str, object]]:
    """The part's flags stored, and the entries of its flags and the rules' hides (of the
    comments still pending: one the platform decided is only flagged)."""
    rule_set, checked = rules
    results = [(cid, hits) for cid, hits in checked.results if first <= cid <= last]
    results.sort(key=lambda result: result[0])
    insert_flags(session, results, rule_set)
    acting = Actor.rules(rule_set.version)
    steps: list[dict[str, object]] = []
    # The rule set's first use is logged once, before the first of the import's flags.
    first_use = rule_set_entry(session, rule_set) if first_checked else None
    if first_use is not None:
        steps.append(_step(acting, first_use))
    for comment_id, _ in results:
        status = str(statuses.get(comment_id, Status.PENDING))
        flag = NewEntry(
            "flag",
            comment_id=comment_id,
            article_id=plan.article_id,
            from_status=status,
            to_status=status,
            escalated=False,
            evidence=checked.evidence[comment_id],
        )
        steps.append(_step(acting, flag))
    hides = first_hides([(cid, hits) for cid, hits in results if cid not in statuses])
    pending = str(Status.PENDING)
    for comment_id in sorted(hides):
        hide = NewEntry(
            str(ActionKind.HIDE),
            comment_id=comment_id,
            article_id=plan.article_id,
            from_status=pending,
            to_status=str(Status.HIDDEN),
            escalated=False,
            reason=str(ReasonCode.OTHER),
            note=hide_note(hides[comment_id]).strip(),
            evidence=checked.evidence[comment_id],
        )
        steps.append(_step(acting, hide, moves_comment=True))
    return steps


def _step(actor: Actor, entry: NewEntry, *, moves_comment: bool = False) -> dict[str, object]:
    return {
        "actor": actor.name,
        "role": actor.role,
        "rule_set_version": actor.rule_set,
        "action": entry.action,
        "comment_id": entry.comment_id,
        "article_id": entry.article_id,
        "from_status": entry.from_status,
        "to_status": entry.to_status,
        "escalated": entry.escalated,
        "reason": entry.reason,
        "note": entry.note,
        "evidence": entry.evidence,
        "moves_comment": moves_comment,
    }


def start_publishing(session: Session) -> None:
    """Everything is staged: from here the import is finished, by this process or the next."""
    session.execute(update(ImportBatch).values(state=PUBLISHING, touched_at=utc_now()))


def publish_part(session: Session) -> bool:
    """Append the next part's log entries and show its comments; False once all are shown
    (then the stored comments' new places and the article's source are taken, and the lock
    is let go)."""
    lock_log(session)
    batch = session.get(ImportBatch, _BATCH, with_for_update=True)
    if batch is None:
        return False
    part = session.scalar(select(func.min(ImportStep.part)))
    if part is None:
        _finish(session)
        return False
    steps = session.scalars(
        select(ImportStep).where(ImportStep.part == part).order_by(ImportStep.n)
    ).all()
    now = utc_now()
    comments = Base.metadata.tables[Comment.__tablename__]
    # Small articles share a part: its limits are the largest of theirs.
    upto = max(step.comments_upto for step in steps)
    # The comments arrive now, with their import entry: the queue's statistics pair the two.
    session.execute(
        update(comments)
        .where(comments.c.id > batch.comments_upto, comments.c.id <= upto)
        .values(imported_at=now)
    )
    moves: list[tuple[int, str, int]] = []
    for (name, role, rule_set), run in groupby(
        steps, key=lambda step: (step.actor, step.role, step.rule_set_version)
    ):
        listed = list(run)
        seqs = append(session, Actor(name, role, rule_set), [_entry(s) for s in listed], at=now)
        moves += [
            (s.comment_id, str(s.to_status), seq)
            for s, seq in zip(listed, seqs, strict=True)
            if s.moves_comment and s.comment_id is not None
        ]
    if moves:
        _move(session, moves)
    for step in steps:
        if step.new_source is not None and step.article_id is not None:
            session.execute(
                update(Article)
                .where(Article.id == step.article_id, Article.source != step.new_source)
                .values(source=step.new_source, updated_at=now)
            )
    batch.comments_upto = upto
    batch.articles_upto = max(batch.articles_upto, *(step.articles_upto for step in steps))
    batch.touched_at = now
    session.execute(delete(ImportStep).where(ImportStep.part == part))
    if session.scalar(select(ImportStep.n).limit(1)) is None:
        _finish(session)
        return False
    return True


def _move(session: Session, moves: list[tuple[int, str, int]]) -> None:
    session.execute(
        update(Comment),
        [{"id": cid, "status": Status(status), "version": seq} for cid, status, seq in moves],
        execution_options={"synchronize_session": False, **ALL_ROWS},
    )


def _entry(step: ImportStep) -> NewEntry:
    return NewEntry(
        step.action,
        comment_id=step.comment_id,
        article_id=step.article_id,
        from_status=step.from_status,
        to_status=step.to_status,
        escalated=step.escalated,
        reason=step.reason,
        note=step.note,
        evidence=step.evidence,
    )


def _finish(session: Session) -> None:
    """The stored comments' new places and reply links, then the lock let go."""
    rows = session.execute(
        select(ImportMove.comment_id, ImportMove.position, ImportMove.parent_id)
    ).all()
    for chunk in chunked(rows):
        placed_rows = [{"id": cid, "position": at} for cid, at, _ in chunk if at is not None]
        linked = [{"id": cid, "parent_id": up} for cid, _, up in chunk if up is not None]
        for changes in (placed_rows, linked):
            if changes:
                session.execute(
                    update(Comment),
                    changes,
                    execution_options={"synchronize_session": False, **ALL_ROWS},
                )
    _end(session)
