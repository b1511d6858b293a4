"""Checks that the stored comments, profiles, locks, notes and flags are what the log recorded."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from moderator.domain import Role
from moderator.formats import json_read
from moderator.formats.modlog import (
    COMMENT_DIGEST_LENGTH,
    COMMENT_RECORD,
    comment_digest,
    recorded_comments,
    text_digest,
)
from moderator.store.models import Article, Author, Comment, Flag, LogEntryRow, Note, Profile
from moderator.store.visibility import article_shown, comment_shown, flag_shown

# How many ids a problem names (it counts them all).
NAMED = 10
COMMENT_BATCH = 10_000
IMPORT = "import"
PROFILE = "profile"
BASELINE = "baseline"
LOCKS = ("lock", "unlock")
NOTES = ("note", "author-note")
FLAGS = ("flag", "unflag")
_TEXT_SHA = '"text_sha256":"'


class _Named:
    """One kind of problem: how many things have it, and the first few, named."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.count = 0
        self.names: list[str] = []

    def add(self, name: str, count: int = 1) -> None:
        self.count += count
        if len(self.names) < NAMED:
            self.names.append(name)

    def text(self) -> str | None:
        if not self.count:
            return None
        more = ", ..." if self.count > len(self.names) else ""
        return f"{self.count:,} {self.what}: {', '.join(self.names)}{more}"


@dataclass(slots=True)
class ContentCheck:
    """What comparing the stored rows with the log found: ``problems`` (empty when they all
    match), how many comments were checked, and how many of them only partly (imported
    before imports recorded each comment: their author, and the text of those no entry
    has decided on, cannot be compared)."""

    problems: list[str] = field(default_factory=list)
    comments: int = 0
    partly: int = 0


@dataclass(frozen=True, slots=True)
class _Run:
    first: int
    last: int
    digests: list[str]
    seq: int
    article_id: int | None


def check_content(session: Session) -> ContentCheck:
    """Compare every comment with its import's record, and each profile's role, article's
    lock, note and comment's flags with the entry that last set them."""
    found = ContentCheck()
    connection = session.connection()
    runs, old_imports, broken = _imports(connection)
    found.problems += broken
    _comments(connection, runs, old_imports, _baseline(connection), found)
    for check in (_profiles, _locks, _notes, _flags):
        found.problems += check(connection)
    return found


def _rows(connection: Connection, query: Any) -> Sequence[Any]:
    """The driver's own rows (no conversions): times stay as stored, as the log reads them."""
    result = connection.execute(query)
    assert result.cursor is not None
    rows = result.cursor.fetchall()
    result.close()
    return rows


@dataclass(frozen=True, slots=True)
class _Baseline:
    """What the database held when the log began recording each comment and role
    (migration 0014's ``baseline`` entry): how many comments, the last one's id."""

    seq: int
    comments: int
    last_comment: int


def _baseline(connection: Connection) -> _Baseline | None:
    query = (
        select(LogEntryRow.seq, LogEntryRow.evidence)
        .where(LogEntryRow.action == BASELINE)
        .order_by(LogEntryRow.seq)
        .limit(1)
    )
    for seq, evidence in _rows(connection, query):
        said = _evidence(evidence)
        count, last = said.get("comments_before"), said.get("last_comment_before")
        if type(count) is int and (type(last) is int or last is None):
            return _Baseline(seq, count, last or 0)
    return None


def _imports(
    connection: Connection,
) -> tuple[list[_Run], dict[tuple[int, Any], tuple[int, int]], list[str]]:
    """The import entries: runs of the comments they recorded (by first id), the imports
    that recorded none (by article and time: their entry and how many they added), and the
    records that cannot be read."""
    runs: list[_Run] = []
    old: dict[tuple[int, Any], tuple[int, int]] = {}
    broken = _Named("import entries whose record of comments cannot be read")
    query = (
        select(
            LogEntryRow.seq, LogEntryRow.article_id, LogEntryRow.created_at, LogEntryRow.evidence
        )
        .where(LogEntryRow.action == IMPORT)
        .order_by(LogEntryRow.seq)
    )
    for seq, article_id, created_at, evidence in _rows(connection, query):
        try:
            loaded = json_read.loads(evidence) if evidence else {}
            if not isinstance(loaded, dict):
                raise ValueError("not an object")
            if COMMENT_RECORD in loaded:
                runs += [
                    _Run(first, last, digests, seq, article_id)
                    for first, last, digests in recorded_comments(loaded[COMMENT_RECORD])
                ]
            else:
                added = loaded.get("added", 0)
                old[article_id, created_at] = (seq, added if type(added) is int else 0)
        except ValueError:
            broken.add(f"entry {seq}")
    runs.sort(key=lambda run: (run.first, run.seq))
    kept: list[_Run] = []
    twice = _Named("comments recorded by two imports")
    for run in runs:
        if kept and run.first <= kept[-1].last:
            twice.add(f"{run.first} (entries {kept[-1].seq} and {run.seq})")
            continue
        kept.append(run)
    return kept, old, [text for text in (broken.text(), twice.text()) if text]


def _comment_batches(connection: Connection) -> Iterator[Sequence[Any]]:
    """(id, article, author's name, text, imported at) of every comment in id order, a batch
    at a time (keyset paging: memory stays flat on a million comments)."""
    query = (
        select(Comment.id, Comment.article_id, Author.name, Comment.body, Comment.imported_at)
        .outerjoin(Author, Author.id == Comment.author_id)
        # Read through a bare connection: an import's comments not shown yet are left out
        # here, as every session leaves them out (moderator.store.visibility).
        .where(comment_shown())
        .order_by(Comment.id)
        .limit(COMMENT_BATCH)
    )
    after = None
    while True:
        rows = _rows(connection, query if after is None else query.where(Comment.id > after))
        if rows:
            yield rows
        if len(rows) < COMMENT_BATCH:
            return
        after = rows[-1][0]


def _last_entries(
    connection: Connection, first: int, last: int
) -> dict[int, tuple[int, int | None, str | None]]:
    """Each comment's (in ids first..last) last entry: its number, article and evidence."""
    latest = (
        select(LogEntryRow.comment_id, func.max(LogEntryRow.seq).label("seq"))
        .where(LogEntryRow.comment_id >= first, LogEntryRow.comment_id <= last)
        .group_by(LogEntryRow.comment_id)
        .subquery()
    )
    query = select(
        LogEntryRow.comment_id, LogEntryRow.seq, LogEntryRow.article_id, LogEntryRow.evidence
    ).join(latest, LogEntryRow.seq == latest.c.seq)
    return {row[0]: (row[1], row[2], row[3]) for row in _rows(connection, query)}


def _comments(
    connection: Connection,
    runs: list[_Run],
    old_imports: dict[tuple[int, Any], tuple[int, int]],
    baseline: _Baseline | None,
    found: ContentCheck,
) -> None:
    """Each comment against the digest its import recorded; those imported before imports
    recorded each comment against what the log does say of them (partly)."""
    check = _CommentCheck(runs)
    check.last_before = 0 if baseline is None else baseline.last_comment
    for batch in _comment_batches(connection):
        found.comments += len(batch)
        # Every comment up to the baseline's last id counts against it, recorded or not.
        if batch[-1][0] <= check.last_before:
            check.before += len(batch)
        elif batch[0][0] <= check.last_before:
            check.before += sum(1 for row in batch if row[0] <= check.last_before)
        unrecorded = check.batch(batch)
        if unrecorded:
            found.partly += len(unrecorded)
            last = _last_entries(connection, unrecorded[0][0], unrecorded[-1][0])
            for row in unrecorded:
                check.partly(row, last.get(row[0]))
    found.problems += check.finish()
    found.problems += _unimported(check, old_imports, baseline)


class _CommentCheck:
    """Walks the comments in id order beside the imports' runs of recorded comments."""

    def __init__(self, runs: list[_Run]) -> None:
        self.runs = runs
        self.at = 0
        self.expected = runs[0].first if runs else 0
        self.changed = _Named("comment(s) whose text or author is not what their import recorded")
        self.moved = _Named("comment(s) moved to another article than their import put them in")
        self.gone = _Named(
            "comment(s) an import recorded are no longer stored (deleted behind its back)"
        )
        self.text_changed = _Named(
            "comment(s) whose text is not the one their last decision recorded (by its SHA-256)"
        )
        self.elsewhere = _Named("comment(s) in another article than their last entry names")
        # Comments no recording import added, by (article, import time): matched later with
        # the imports that recorded no comments, which say how many they added.
        self.groups: Counter[tuple[int, Any]] = Counter()
        self.group_ids: dict[tuple[int, Any], list[int]] = {}
        # Of those, the ones after the baseline (none were stored before the log recorded).
        self.after: Counter[tuple[int, Any]] = Counter()
        self.after_ids: dict[tuple[int, Any], list[int]] = {}
        # Comments up to the baseline's last id (set and counted by _comments).
        self.last_before = 0
        self.before = 0

    def _lost(self, first: int, last: int) -> None:
        if first <= last:
            ids = f"{first}" if first == last else f"{first}-{last}"
            self.gone.add(f"{ids} (entry {self.runs[self.at].seq})", last - first + 1)

    def _next_run(self) -> None:
        self._lost(self.expected, self.runs[self.at].last)
        self.at += 1
        self.expected = self.runs[self.at].first if self.at < len(self.runs) else 0

    def batch(self, rows: Sequence[Sequence[Any]]) -> list[Sequence[Any]]:
        """Check a batch of comments against their imports' records; those none recorded.

        The comments come in id order and an import's are numbered in a row, so nearly every
        one is the next its run expects: that case is checked here inline (a million
        comments: each one's digest is most of the cost), the rest by :meth:`recorded`.
        """
        sha256 = hashlib.sha256
        unrecorded = []
        run = self.runs[self.at] if self.at < len(self.runs) else None
        for row in rows:
            comment_id = row[0]
            if run is not None and comment_id == self.expected and comment_id <= run.last:
                self.expected = comment_id + 1
                article_id, author, body = row[1], row[2] or "", row[3]
                text = f"{comment_id}:{article_id}:{len(author)}:{author}{len(body)}:{body}"
                digest = sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
                if (
                    article_id == run.article_id
                    and digest[:COMMENT_DIGEST_LENGTH] == run.digests[comment_id - run.first]
                ):
                    continue
                self.expected = comment_id
            if not self.recorded(row):
                unrecorded.append(row)
            run = self.runs[self.at] if self.at < len(self.runs) else None
        return unrecorded

    def recorded(self, row: Sequence[Any]) -> bool:
        """Check a comment against its import's record; False if none recorded it."""
        comment_id, article_id, author, body = row[0], row[1], row[2], row[3]
        while self.at < len(self.runs) and comment_id > self.runs[self.at].last:
            self._next_run()
        if self.at == len(self.runs) or comment_id < self.runs[self.at].first:
            return False
        run = self.runs[self.at]
        self._lost(self.expected, comment_id - 1)
        self.expected = comment_id + 1
        if run.article_id is not None and article_id != run.article_id:
            self.moved.add(
                f"{comment_id} (imported into article {run.article_id} by entry {run.seq},"
                f" now in article {article_id})"
            )
        elif (
            comment_digest(comment_id, article_id, author or "", body)
            != run.digests[comment_id - run.first]
        ):
            self.changed.add(f"{comment_id} (entry {run.seq})")
        return True

    def partly(self, row: Sequence[Any], last: tuple[int, int | None, str | None] | None) -> None:
        """What can be checked of a comment its import did not record: its last entry's
        article, and the text its last decision hashed."""
        comment_id, article_id, _, body, imported_at = row
        key = (article_id, imported_at)
        self.groups[key] += 1
        ids = self.group_ids.setdefault(key, [])
        if len(ids) < NAMED:
            ids.append(comment_id)
        if comment_id > self.last_before:
            self.after[key] += 1
            after = self.after_ids.setdefault(key, [])
            if len(after) < NAMED:
                after.append(comment_id)
        if last is None:
            return
        seq, entry_article, evidence = last
        if entry_article is not None and entry_article != article_id:
            self.elsewhere.add(f"{comment_id} (entry {seq} names article {entry_article})")
        start = -1 if evidence is None else evidence.find(_TEXT_SHA)
        if evidence is not None and start >= 0:
            start += len(_TEXT_SHA)
            if evidence[start : start + 64] != text_digest(body):
                self.text_changed.add(f"{comment_id} (entry {seq})")

    def finish(self) -> list[str]:
        while self.at < len(self.runs):
            self._next_run()
        named = (self.changed, self.moved, self.gone, self.text_changed, self.elsewhere)
        return [text for text in (one.text() for one in named) if text]


def _unimported(
    check: _CommentCheck,
    old_imports: dict[tuple[int, Any], tuple[int, int]],
    baseline: _Baseline | None,
) -> list[str]:
    """The comments no import explains: their article and time match no import entry (and
    they are not among those the database held when the log began recording each comment),
    or more of them than it added; and a count of those held then that is not the baseline's."""
    orphans = _Named("comment(s) without an import entry (stored behind the log's back)")
    found = []
    for key, count in sorted(check.groups.items(), key=lambda item: check.group_ids[item[0]][0]):
        ids = check.group_ids[key]
        entry = old_imports.get(key)
        if entry is None:
            # Those stored before imports were logged are the baseline's count to hold.
            planted = check.after_ids.get(key, [])
            for comment_id in planted:
                orphans.add(str(comment_id))
            orphans.count += check.after[key] - len(planted)
        elif count > entry[1]:
            listed = ", ".join(map(str, ids)) + (", ..." if count > len(ids) else "")
            found.append(
                f"article {key[0]} holds {count:,} comments of the import in entry {entry[0]},"
                f" which added {entry[1]:,}: comments were added behind the log's back, among"
                f" {listed}"
            )
    if baseline is not None and check.before != baseline.comments:
        more = check.before > baseline.comments
        found.append(
            f"{baseline.comments:,} comments up to id {baseline.last_comment} were stored when the"
            f" log began recording each comment (entry {baseline.seq}), and {check.before:,}"
            f" are now: comments were {'added among them' if more else 'deleted'} behind the"
            " log's back"
        )
    return [text for text in (orphans.text(),) if text] + found[:NAMED]


def _evidence(text: str | None) -> dict[str, Any]:
    try:
        loaded = json_read.loads(text) if text else {}
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _profiles(connection: Connection) -> list[str]:
    """Each profile's role against the last entry that gave it one (a moderator needs none:
    that is every new profile's role)."""
    roles: dict[str, tuple[str, int]] = {}
    query = (
        select(
            LogEntryRow.seq,
            LogEntryRow.action,
            LogEntryRow.actor,
            LogEntryRow.role,
            LogEntryRow.evidence,
        )
        .where(LogEntryRow.action.in_((PROFILE, BASELINE)))
        .order_by(LogEntryRow.seq)
    )
    for seq, action, actor, role, evidence in _rows(connection, query):
        stated = _evidence(evidence)
        if action == BASELINE:
            held = stated.get("profiles")
            if isinstance(held, dict):
                roles.update((str(name), (str(had), seq)) for name, had in held.items())
            continue
        # An entry that names the profile changed (and its new role) in its evidence says
        # so when someone else made the change; before, the profile acted on itself.
        name = stated.get("profile", actor)
        roles[str(name)] = (str(stated.get("role", role)), seq)
    wrong = _Named("profile(s) whose role is not the one the log gave them")
    profiles = select(Profile.id, Profile.name, Profile.role).order_by(Profile.id)
    for profile_id, name, role in _rows(connection, profiles):
        logged = roles.get(name)
        if logged is None:
            if role != Role.MODERATOR:
                wrong.add(f"{name!r} (profile {profile_id}) is {role}, and no entry made it one")
        elif logged[0] != role:
            wrong.add(
                f"{name!r} (profile {profile_id}) is {role}, but its last role entry"
                f" (entry {logged[1]}) made it {logged[0]}"
            )
    return [text for text in (wrong.text(),) if text]


def _locks(connection: Connection) -> list[str]:
    """Each article's lock against its last lock or unlock entry (unlocked without one)."""
    query = (
        select(LogEntryRow.seq, LogEntryRow.article_id, LogEntryRow.action)
        .where(LogEntryRow.action.in_(LOCKS))
        .order_by(LogEntryRow.seq)
    )
    last = {
        article_id: (action == "lock", seq) for seq, article_id, action in _rows(connection, query)
    }
    wrong = _Named("article(s) locked or unlocked without a log entry")
    for article_id, locked in _rows(
        connection, select(Article.id, Article.locked).where(article_shown()).order_by(Article.id)
    ):
        logged = last.get(article_id)
        if bool(locked) == (logged is not None and logged[0]):
            continue
        if logged is None:
            said = "no entry locked it"
        else:
            said = f"its last entry ({logged[1]}) {'locked' if logged[0] else 'unlocked'} it"
        wrong.add(f"{article_id} ({'locked' if locked else 'unlocked'}; {said})")
    return [text for text in (wrong.text(),) if text]


def _notes(connection: Connection) -> list[str]:
    """Each note against the entry it was logged with, and each note entry's note kept."""
    wrong = _Named("note(s) that are not what their log entry says")
    query = (
        select(
            Note.id,
            Note.comment_id,
            Note.text,
            Note.actor,
            Note.role,
            Note.entry_seq,
            Author.name,
            LogEntryRow.action,
            LogEntryRow.comment_id,
            LogEntryRow.note,
            LogEntryRow.actor,
            LogEntryRow.role,
            LogEntryRow.evidence,
        )
        .outerjoin(Author, Author.id == Note.author_id)
        .outerjoin(LogEntryRow, LogEntryRow.seq == Note.entry_seq)
        .order_by(Note.id)
    )
    kept: set[int] = set()
    for row in _rows(connection, query):
        note_id, comment_id, text, actor, role, seq, author = row[:7]
        action, entry_comment, entry_note, entry_actor, entry_role, evidence = row[7:]
        if seq in kept:
            wrong.add(f"{note_id} (a second note on entry {seq})")
            continue
        kept.add(seq)
        if action is None:
            wrong.add(f"{note_id} (its entry {seq} is gone)")
            continue
        on_author = action == "author-note" and comment_id is None
        on_comment = action == "note" and comment_id is not None and entry_comment == comment_id
        if (on_author and _evidence(evidence).get("author") != author) or not (
            on_author or on_comment
        ):
            wrong.add(f"{note_id} (not on what entry {seq} noted)")
        elif (text, actor, role) != (entry_note, entry_actor, entry_role):
            wrong.add(f"{note_id} (its text or author differs from entry {seq})")
    missing = _Named("note entries whose note is no longer stored")
    entries = select(LogEntryRow.seq).where(LogEntryRow.action.in_(NOTES)).order_by(LogEntryRow.seq)
    for (seq,) in _rows(connection, entries):
        if seq not in kept:
            missing.add(f"entry {seq}")
    return [text for text in (wrong.text(), missing.text()) if text]


_Hits = frozenset[tuple[str, str, tuple[tuple[int, int], ...]]]


def _hits(items: Sequence[tuple[Any, Any, Any]]) -> _Hits:
    found = set()
    for rule, severity, spans in items:
        try:
            loaded = json_read.loads(spans) if isinstance(spans, str) else spans
            found.add(
                (str(rule), str(severity), tuple((int(s[0]), int(s[1])) for s in loaded or ()))
            )
        except (TypeError, ValueError, IndexError, KeyError):
            found.add((str(rule), str(severity), ((-1, -1),)))
    return frozenset(found)


def _flags(connection: Connection) -> list[str]:
    """Each comment's flags (rule, severity, spans) against its last flag or unflag entry."""
    latest = (
        select(LogEntryRow.comment_id, func.max(LogEntryRow.seq).label("seq"))
        .where(LogEntryRow.action.in_(FLAGS))
        .group_by(LogEntryRow.comment_id)
        .subquery()
    )
    logged: dict[int, tuple[int, _Hits]] = {}
    query = select(LogEntryRow.comment_id, LogEntryRow.seq, LogEntryRow.evidence).join(
        latest, LogEntryRow.seq == latest.c.seq
    )
    for comment_id, seq, evidence in _rows(connection, query):
        hits = _evidence(evidence).get("hits") or []
        logged[comment_id] = (
            seq,
            _hits(
                [
                    (hit.get("rule"), hit.get("severity"), hit.get("spans"))
                    for hit in hits
                    if isinstance(hit, dict)
                ]
            ),
        )
    stored: dict[int, list[tuple[Any, Any, Any]]] = {}
    flags = (
        select(Flag.comment_id, Flag.rule_id, Flag.severity, Flag.spans)
        .where(flag_shown())
        .order_by(Flag.comment_id)
    )
    for comment_id, rule, severity, spans in _rows(connection, flags):
        stored.setdefault(comment_id, []).append((rule, severity, spans))
    wrong = _Named("comment(s) whose flags are not the ones their last flag entry recorded")
    for comment_id in sorted(stored.keys() | logged.keys()):
        seq, hits = logged.get(comment_id, (None, frozenset()))
        if _hits(stored.get(comment_id, [])) != hits:
            wrong.add(f"{comment_id}" + ("" if seq is None else f" (entry {seq})"))
    return [text for text in (wrong.text(),) if text]
