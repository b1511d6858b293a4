"""Stores a parsed article and its comments, recognising ones that were imported before."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.orm import Session

from moderator.domain import SYSTEM, Status
from moderator.formats.modlog import (
    COMMENT_RECORD,
    comment_digest,
    comment_record,
    evidence_text,
)
from moderator.formats.records import IncomingArticle, IncomingComment
from moderator.services.changes import ImportChange
from moderator.services.history import Actor, NewEntry, append, lock_log
from moderator.store.batching import chunked
from moderator.store.bulk import insert_many
from moderator.store.models import Article, Author, Base, Comment, utc_now
from moderator.store.visibility import ALL_ROWS

IMPORT_ACTION = "import"
# Comments inserted per statement (one transaction still): their rows are made a slice at a time.
INSERT_CHUNK = 10_000
# Who an import is logged under when its caller names nobody (a script, a test).
UNNAMED_IMPORTER = Actor(SYSTEM, SYSTEM)


def article_hash(title: str, body: str) -> str:
    """What makes two imports the same article: its title and body, not its comments."""
    return hashlib.sha256(f"{title.strip()}\0{body.strip()}".encode()).hexdigest()


def comment_fingerprints(comments: Iterable[IncomingComment]) -> list[str]:
    """A stable identity per comment; a verbatim repeat by the same author is numbered."""
    seen: dict[str, int] = {}
    prints = []
    for comment in comments:
        key = comment_key(comment)
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        prints.append(fingerprint(key, occurrence))
    return prints


def comment_key(comment: IncomingComment) -> str:
    """What makes two comments the same one: author, time and text."""
    return f"{comment.author}\0{comment.posted_at.isoformat()}\0{comment.body}"


def fingerprint(key: str, occurrence: int) -> str:
    """The fingerprint of a comment with this key, the ``occurrence``-th (from 0) in its file."""
    return hashlib.sha256(f"{key}\0{occurrence}".encode()).hexdigest()


def import_article(
    session: Session,
    incoming: IncomingArticle,
    *,
    fingerprints: list[str] | None = None,
    actor: Actor = UNNAMED_IMPORTER,
) -> ImportChange:
    """Add the article (or find it again) and the comments not yet stored, and log the import
    under ``actor``.

    Moderation state of comments already stored is left as it is. Positions follow the newest
    scrape; a stored comment it no longer shows stays after the comment it used to follow.

    An article an editor locked takes no change at all: its new comments are skipped and
    counted (``ImportChange.skipped_locked``), its thread and source stay as they are, and
    the import's entry says so.

    All in the caller's unit of work: what platform exports, and files that add no comment,
    are imported with. (A scraped file's new comments go in parts: moderator.imports.parts.)
    """
    now = utc_now()
    # The log first, then rows: the order every writer locks in (see history.lock_log).
    lock_log(session)
    article, created = find_or_add_article(session, incoming, now=now)
    digest = article.content_hash

    # A caller that parsed in another process may hand the fingerprints over, worked out there.
    prints = comment_fingerprints(incoming.comments) if fingerprints is None else fingerprints
    if article.locked:
        return _import_into_locked(session, article, incoming, prints, actor=actor, now=now)
    if not created:
        article.source = incoming.source
    stored = {} if created else stored_positions(session, article.id)
    author_ids = ensure_authors(session, {c.author for c in incoming.comments}, now=now)

    by_print = dict(zip(prints, incoming.comments, strict=True))
    new, moves = placed(stored, prints)
    moved = [{"id": comment_id, "position": position} for comment_id, position in moves]
    added = [fingerprint for fingerprint, _ in new]
    table = Base.metadata.tables[Comment.__tablename__]
    # A slice at a time: a million comments' rows, held at once, would cost gigabytes.
    for chunk in chunked(new, INSERT_CHUNK):
        rows: list[dict[str, object]] = [
            {
                "article_id": article.id,
                "position": position,
                "author_id": author_ids[by_print[fingerprint].author],
                "posted_at": by_print[fingerprint].posted_at,
                "body": by_print[fingerprint].body,
                "status": Status.PENDING,
                "escalated": False,
                "external_id": by_print[fingerprint].external_id,
                "fingerprint": fingerprint,
                "imported_at": now,
            }
            for fingerprint, position in chunk
        ]
        insert_many(session, table, rows)
    recorded = _recorded(
        session, article.id, [(fingerprint, by_print[fingerprint]) for fingerprint in added]
    )
    if moved:
        session.execute(update(Comment), moved)
    already = len(incoming.comments) - len(added)
    append(
        session,
        actor,
        [
            NewEntry(
                IMPORT_ACTION,
                article_id=article.id,
                note=f"{len(added)} comments added, {already} already present"
                + (" (new article)" if created else ""),
                evidence=evidence_text(
                    {
                        "source": incoming.source,
                        "article_sha256": digest,
                        "added": len(added),
                        "already_present": already,
                        COMMENT_RECORD: recorded,
                    }
                ),
            )
        ],
        at=now,
    )
    return ImportChange(
        article_id=article.id,
        title=article.title,
        source=incoming.source,
        created=created,
        added=len(added),
        already_present=already,
        warnings=incoming.warnings,
        added_fingerprints=tuple(added),
    )


def find_or_add_article(
    session: Session, incoming: IncomingArticle, *, now: datetime
) -> tuple[Article, bool]:
    """The article as stored (recognised by its title and body), or added now; and whether
    it was added."""
    digest = article_hash(incoming.title, incoming.body)
    article = session.scalar(select(Article).where(Article.content_hash == digest))
    if article is not None:
        return article, False
    article = Article(
        title=incoming.title,
        body=incoming.body,
        source=incoming.source,
        content_hash=digest,
        imported_at=now,
        updated_at=now,
    )
    session.add(article)
    session.flush()
    return article, True


def placed(
    stored: Mapping[str, tuple[int, int, int]], prints: Sequence[str]
) -> tuple[list[tuple[str, int]], list[tuple[int, int]]]:
    """Where each comment goes in the thread the newest scrape shows: (fingerprint,
    position) of each one to add, and (id, position) of each stored one that moves."""
    placer = Placer(stored, {fingerprint for fingerprint in prints if fingerprint in stored})
    new = [(p, at) for p in prints if (at := placer.place(p)) is not None]
    return new, placer.moved


class Placer:
    """Places a scrape's comments in the thread one at a time, in the scrape's order: the
    newest scrape's order, each stored comment it lacks kept after its old neighbour.

    ``stored``: each stored comment's (id, position, ...) by fingerprint; ``present``: the
    stored ones the scrape shows again. ``moved``: (id, new position) of each stored comment
    placed elsewhere than it was.
    """

    def __init__(self, stored: Mapping[str, tuple[int, int, int]], present: Set[str]) -> None:
        self.stored = stored
        self.moved: list[tuple[int, int]] = []
        self.followers: defaultdict[str | None, list[str]] = defaultdict(list)
        self.position = 0
        anchor: str | None = None
        for fingerprint in sorted(stored, key=lambda fingerprint: stored[fingerprint][1:]):
            if fingerprint in present:
                anchor = fingerprint
            else:
                self.followers[anchor].append(fingerprint)
        self._followers_of(None)

    def place(self, fingerprint: str) -> int | None:
        """The next comment of the scrape: its position if it is to be added, else None."""
        at = self._next(fingerprint)
        self._followers_of(fingerprint)
        return at

    def _followers_of(self, anchor: str | None) -> None:
        for fingerprint in self.followers.pop(anchor, ()):
            self._next(fingerprint)

    def _next(self, fingerprint: str) -> int | None:
        self.position += 1
        found = self.stored.get(fingerprint)
        if found is None:
            return self.position
        comment_id, old_position, _ = found
        if old_position != self.position:
            self.moved.append((comment_id, self.position))
        return None


@dataclass(frozen=True, slots=True)
class Reservation:
    """Ids for comments not stored yet, chosen before they are, so that the rules can check
    them (their hits name ids) before they are written. On PostgreSQL the sequence hands them
    out; on SQLite they follow the largest stored, which stay free because only imports add
    comments and one import is written at a time (moderator.services.staging's lock)."""

    ids: Mapping[str, int]


def reserve_ids(session: Session, prints: Sequence[str], *, above: int = 0) -> Reservation:
    """Ids for the comments with these fingerprints, which are new (see Reservation); on
    SQLite all above ``above`` too (ids reserved already, for comments not stored yet)."""
    if not prints:
        return Reservation({})
    if session.get_bind().dialect.name == "postgresql":
        taken = session.scalars(
            text(
                "SELECT nextval(pg_get_serial_sequence('comment', 'id'))"
                " FROM generate_series(1, :n)"
            ),
            {"n": len(prints)},
        ).all()
        return Reservation(dict(zip(prints, sorted(taken), strict=True)))
    high = session.scalar(
        select(func.coalesce(func.max(Comment.id), 0)), execution_options=ALL_ROWS
    )
    high = max(high or 0, above)
    return Reservation({fingerprint: high + n for n, fingerprint in enumerate(prints, 1)})


def _import_into_locked(
    session: Session,
    article: Article,
    incoming: IncomingArticle,
    prints: list[str],
    *,
    actor: Actor,
    now: datetime,
) -> ImportChange:
    """Log an import of a locked article that changed nothing: how many comments were
    already stored and how many new ones were skipped."""
    change = locked_import(session, article, incoming, prints)
    append(session, actor, [locked_entry(change, incoming)], at=now)
    return change


def locked_entry(change: ImportChange, incoming: IncomingArticle) -> NewEntry:
    """The import entry of an import into a locked article (:func:`locked_import`)."""
    return NewEntry(
        IMPORT_ACTION,
        article_id=change.article_id,
        note=f"0 comments added, {change.already_present} already present,"
        f" {change.skipped_locked} new skipped: the article is locked",
        evidence=evidence_text(
            {
                "source": incoming.source,
                "article_sha256": article_hash(incoming.title, incoming.body),
                "added": 0,
                "already_present": change.already_present,
                "skipped_locked": change.skipped_locked,
            }
        ),
    )


def locked_import(
    session: Session, article: Article, incoming: IncomingArticle, prints: list[str]
) -> ImportChange:
    """What an import into a locked article does: nothing, counted."""
    stored = set(stored_positions(session, article.id))
    already = sum(1 for fingerprint in prints if fingerprint in stored)
    return locked_change(article, incoming, already, len(prints) - already)


def locked_change(
    article: Article, incoming: IncomingArticle, already: int, skipped: int
) -> ImportChange:
    """An import into a locked article: ``already`` comments stored, ``skipped`` new ones."""
    return ImportChange(
        article_id=article.id,
        title=article.title,
        source=incoming.source,
        created=False,
        added=0,
        already_present=already,
        warnings=incoming.warnings,
        locked=True,
        skipped_locked=skipped,
    )


def _recorded(
    session: Session,
    article_id: int,
    added: Sequence[tuple[str, IncomingComment]],
) -> dict[str, object]:
    """What the import entry records of the comments just added (by fingerprint), so that
    `log verify` can tell each one's text, author and article from what was imported."""
    known = _ids_by_print(session, article_id, [fingerprint for fingerprint, _ in added])
    return comment_record(
        [
            (known[fingerprint], comment_digest(known[fingerprint], article_id, c.author, c.body))
            for fingerprint, c in added
        ]
    )


def stored_positions(session: Session, article_id: int) -> dict[str, tuple[int, int, int]]:
    """Fingerprint -> (id, position, id): the last two order the stored thread."""
    rows = session.execute(
        select(Comment.fingerprint, Comment.id, Comment.position).where(
            Comment.article_id == article_id
        )
    )
    return {fingerprint: (cid, position, cid) for fingerprint, cid, position in rows}


def ensure_authors(session: Session, names: set[str], *, now: datetime) -> dict[str, int]:
    """Ids for these author names, adding the ones never seen before."""
    ids = _author_ids(session, names)
    missing = sorted(names - ids.keys())
    if missing:
        session.execute(insert(Author), [{"name": name, "first_seen_at": now} for name in missing])
        ids.update(_author_ids(session, set(missing)))
    return ids


def _author_ids(session: Session, names: set[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for chunk in chunked(sorted(names)):
        rows = session.execute(select(Author.name, Author.id).where(Author.name.in_(chunk)))
        ids.update((name, author_id) for name, author_id in rows)
    return ids


# The log entry that records where a platform export had a comment (approved, spam ...).
PLATFORM_STATE = "import-state"
_STATES = {"approved": Status.APPROVED, "hidden": Status.HIDDEN, "pending": Status.PENDING}


def apply_platform_state(
    session: Session, change: ImportChange, incoming: IncomingArticle, prints: list[str]
) -> None:
    """Give the comments an import just added the state they had on the platform (logged as
    ``import-state`` by ``system``), and link every reply to the comment it answers."""
    if change.locked:
        return  # nothing was added, and the thread of a locked article stays as it is
    by_print = dict(zip(prints, incoming.comments, strict=True))
    added = [by_print[fingerprint] for fingerprint in change.added_fingerprints]
    decided = [
        (fingerprint, comment)
        for fingerprint, comment in zip(change.added_fingerprints, added, strict=True)
        if comment.state != "pending"
    ]
    if decided:
        ids = _ids_by_print(session, change.article_id, [fingerprint for fingerprint, _ in decided])
        entries = []
        states: list[tuple[int, Status]] = []
        for fingerprint, comment in decided:
            entry, status = platform_state_entry(
                ids[fingerprint], change.article_id, comment, incoming.source
            )
            states.append((ids[fingerprint], status))
            entries.append(entry)
        seqs = append(session, UNNAMED_IMPORTER, entries)
        # Each comment's version is its entry, as a decision's would be.
        session.execute(
            update(Comment),
            [
                {"id": comment_id, "status": status, "version": seq}
                for (comment_id, status), seq in zip(states, seqs, strict=True)
            ],
        )
    if any(comment.parent_external_id for comment in incoming.comments):
        _link_replies(session, change.article_id, incoming)


def platform_state_entry(
    comment_id: int, article_id: int, comment: IncomingComment, source: str
) -> tuple[NewEntry, Status]:
    """The ``import-state`` entry that gives a new comment the state it had on the platform,
    and that state."""
    status = _STATES.get(comment.state, Status.PENDING)
    entry = NewEntry(
        PLATFORM_STATE,
        comment_id=comment_id,
        article_id=article_id,
        from_status=str(Status.PENDING),
        to_status=str(status),
        escalated=False,
        reason=comment.reason,
        note=f"{comment.state} on the source platform ({source})",
    )
    return entry, status


def _ids_by_print(session: Session, article_id: int, prints: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in chunked(prints):
        rows = session.execute(
            select(Comment.fingerprint, Comment.id).where(
                Comment.article_id == article_id, Comment.fingerprint.in_(chunk)
            )
        )
        found.update((fingerprint, comment_id) for fingerprint, comment_id in rows)
    return found


def _link_replies(session: Session, article_id: int, incoming: IncomingArticle) -> None:
    """Each reply's parent_id, from the platform's ids (a parent the article lacks: none)."""
    rows = session.execute(
        select(Comment.external_id, Comment.id).where(
            Comment.article_id == article_id, Comment.external_id.is_not(None)
        )
    )
    by_external = {row[0]: row[1] for row in rows}
    links = [
        {
            "id": by_external[comment.external_id],
            "parent_id": by_external[comment.parent_external_id],
        }
        for comment in incoming.comments
        if comment.external_id in by_external and comment.parent_external_id in by_external
    ]
    if links:
        session.execute(update(Comment), links)
