"""A scraped file too big to hold in memory, imported as it is read (``moderator.imports.parts``
writes it): what it keeps in memory does not grow with the file's length.

Its comments are read once, a line at a time, into a temporary database on disk with their
fingerprints. Under the import lock the article is found or added, and the comments it lacks
are placed and given ids; the rules then check them as one run in posting order, as they
would a file read whole, their verdicts set aside beside them; last the comments are stored
a part at a time, out of sight, and the whole file is shown once all are stored.
"""

from __future__ import annotations

import hashlib
import pickle
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import IO

from moderator.formats.errors import FormatError, not_set_aside
from moderator.formats.records import IncomingArticle, IncomingComment
from moderator.formats.scraped import ScrapedStream
from moderator.imports.files import plain_reason
from moderator.imports.parts import AfterPart, Writer, Written, write_in_parts
from moderator.rules.model import CommentSnapshot, Hit, RuleSet
from moderator.services import staging
from moderator.services.changes import ImportChange
from moderator.services.flagging import Checked, FlagChange, check_in_order, first_hides
from moderator.services.importing import (
    Placer,
    comment_key,
    find_or_add_article,
    fingerprint,
    locked_change,
    reserve_ids,
    stored_positions,
)
from moderator.store.database import Database
from moderator.store.visibility import see_all_rows

Opener = Callable[[], IO[bytes]]
# Rows read from the temporary database at a time.
_BATCH = 5_000


def store_streamed(
    database: Database,
    path: Path,
    scraped: ScrapedStream,
    opener: Opener,
    *,
    rules: RuleSet | None,
    actor: str,
    before_write: Callable[[Path], None] | None = None,
    after_part: AfterPart | None = None,
) -> Written:
    """Import the big scraped file ``scraped`` (``opener`` opens it to read its comments):
    what :func:`moderator.imports.parts.store_in_parts` does for a file read whole."""
    try:
        with closing(_Spill()) as spill:
            warnings = list(scraped.layout.warnings)
            # Read before the lock is taken: a malformed file is refused having waited for
            # nothing and stored nothing.
            try:
                with opener() as stream:
                    spill.add_all(scraped.comments(stream, warnings))
            except OSError as error:
                raise FormatError(scraped.source, 0, plain_reason(error)) from None
            incoming = scraped.article(warnings)
            return write_in_parts(
                database,
                path,
                lambda writer: _Feed(writer, incoming, spill).run(),
                rules=rules,
                actor=actor,
                before_write=before_write,
                after_part=after_part,
            )
    except sqlite3.Error as error:
        # The temporary file's, not the database's (that one's errors are SQLAlchemy's).
        raise not_set_aside(scraped.source, "comments", error) from None


class _Spill:
    """A file's comments in a temporary database, in the file's order, with their
    fingerprints (a verbatim repeat by the same author numbered, as ``comment_fingerprints``
    numbers it), and once planned the place and id of each one to add and the rules' verdict."""

    def __init__(self) -> None:
        # An empty name: SQLite's own temporary file, gone when closed.
        self._db = sqlite3.connect("", isolation_level=None)
        self._db.executescript(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
            "CREATE TABLE seen (key BLOB PRIMARY KEY, count INTEGER NOT NULL) WITHOUT ROWID;"
            "CREATE TABLE comment (n INTEGER PRIMARY KEY, author TEXT NOT NULL,"
            " posted_at TEXT NOT NULL, body TEXT NOT NULL, fp TEXT NOT NULL,"
            " position INTEGER, id INTEGER);"
            "CREATE INDEX comment_id ON comment (id);"
            "CREATE TABLE verdict (id INTEGER PRIMARY KEY, hits BLOB NOT NULL,"
            " evidence TEXT NOT NULL);"
        )
        self.count = 0

    def close(self) -> None:
        self._db.close()

    def add_all(self, comments: Iterator[IncomingComment]) -> None:
        db = self._db
        db.execute("BEGIN")
        for comment in comments:
            key = comment_key(comment)
            digest = hashlib.blake2b(key.encode(), digest_size=16).digest()
            (seen,) = db.execute(
                "INSERT INTO seen VALUES (?, 1) ON CONFLICT (key) DO UPDATE"
                " SET count = count + 1 RETURNING count",
                (digest,),
            ).fetchone()
            db.execute(
                "INSERT INTO comment (n, author, posted_at, body, fp) VALUES (?, ?, ?, ?, ?)",
                (
                    self.count,
                    comment.author,
                    comment.posted_at.isoformat(),
                    comment.body,
                    fingerprint(key, seen - 1),
                ),
            )
            self.count += 1
        db.execute("DELETE FROM seen")
        db.execute("COMMIT")

    def prints(self) -> Iterator[tuple[int, str]]:
        """(n, fingerprint) of each comment, in the file's order."""
        after = -1
        while True:
            rows = self._db.execute(
                "SELECT n, fp FROM comment WHERE n > ? ORDER BY n LIMIT ?", (after, _BATCH)
            ).fetchall()
            yield from rows
            if len(rows) < _BATCH:
                return
            after = rows[-1][0]

    def plan(self, rows: Sequence[tuple[int, int, int]]) -> None:
        """Give these comments, (n, position, id) each, their place and id."""
        self._db.executemany("UPDATE comment SET position = ?, id = ? WHERE n = ?", rows)

    def new_by_time(self) -> Iterator[CommentSnapshot]:
        """The comments to add, in posting order (the rules' run)."""
        self._db.execute("CREATE INDEX comment_time ON comment (posted_at, id) WHERE id NOT NULL")
        after: tuple[str, int] = ("", 0)
        while True:
            rows = self._db.execute(
                "SELECT posted_at, id, author, body FROM comment WHERE id NOT NULL"
                " AND (posted_at, id) > (?, ?) ORDER BY posted_at, id LIMIT ?",
                (*after, _BATCH),
            ).fetchall()
            for posted_at, comment_id, author, body in rows:
                yield CommentSnapshot(
                    body=body,
                    author=author,
                    posted_at=datetime.fromisoformat(posted_at),
                    id=comment_id,
                )
            if len(rows) < _BATCH:
                return
            after = (rows[-1][0], rows[-1][1])

    def facts(self) -> tuple[list[str], datetime | None, datetime | None]:
        """The authors of the comments to add, and their earliest and latest times."""
        authors = [
            a for (a,) in self._db.execute("SELECT DISTINCT author FROM comment WHERE id NOT NULL")
        ]
        first, last = self._db.execute(
            "SELECT min(posted_at), max(posted_at) FROM comment WHERE id NOT NULL"
        ).fetchone()
        return (
            authors,
            None if first is None else datetime.fromisoformat(first),
            None if last is None else datetime.fromisoformat(last),
        )

    def keep_verdicts(self, verdicts: Iterator[tuple[int, list[Hit], str]]) -> None:
        batch: list[tuple[int, bytes, str]] = []
        for comment_id, hits, evidence in verdicts:
            batch.append((comment_id, pickle.dumps(hits), evidence))
            if len(batch) == _BATCH:
                self._db.executemany("INSERT INTO verdict VALUES (?, ?, ?)", batch)
                batch = []
        self._db.executemany("INSERT INTO verdict VALUES (?, ?, ?)", batch)

    def new_parts(self, size: int) -> Iterator[list[tuple[str, int, int, IncomingComment]]]:
        """The comments to add, in parts of ``size``, in id order: (fingerprint, position,
        id, comment) each."""
        after = 0
        while True:
            rows = self._db.execute(
                "SELECT fp, position, id, author, posted_at, body FROM comment"
                " WHERE id > ? ORDER BY id LIMIT ?",
                (after, size),
            ).fetchall()
            if not rows:
                return
            yield [
                (
                    fp,
                    position,
                    comment_id,
                    IncomingComment(author, datetime.fromisoformat(at), body),
                )
                for fp, position, comment_id, author, at, body in rows
            ]
            after = rows[-1][2]

    def checked(self, first: int, last: int, count: int) -> Checked:
        """The rules' verdict on the comments with ids from ``first`` to ``last``."""
        results: list[tuple[int, list[Hit]]] = []
        evidence: dict[int, str] = {}
        for comment_id, hits, said in self._db.execute(
            "SELECT id, hits, evidence FROM verdict WHERE id BETWEEN ? AND ? ORDER BY id",
            (first, last),
        ):
            # Written by this process a moment ago, to its own temporary file.
            results.append((comment_id, pickle.loads(hits)))  # noqa: S301
            evidence[comment_id] = said
        return Checked(count, results, evidence)


class _Feed:
    """Stores one big scraped file's comments through the import's writer, a part at a time."""

    def __init__(self, writer: Writer, incoming: IncomingArticle, spill: _Spill) -> None:
        self.writer = writer
        self.incoming = incoming
        self.spill = spill

    def run(self) -> None:
        writer, spill = self.writer, self.spill
        with writer.database.transaction() as session:
            # An article an import stored earlier but not yet shown is found again.
            see_all_rows(session)
            article, created = find_or_add_article(session, self.incoming, now=writer.now)
            articles_upto = article.id if created else staging.articles_limit(session)
            stored = {} if created else stored_positions(session, article.id)
        if article.locked:
            already = sum(1 for _, fp in spill.prints() if fp in stored)
            change = locked_change(article, self.incoming, already, spill.count - already)
            plan = staging.Plan(
                article.id,
                article.title,
                created=False,
                already=0,
                new=[],
                articles_upto=articles_upto,
                new_source=None,
                locked=change,
            )
            self._write(plan, 0, self.incoming, {}, None)
            writer.written.changes.append(change)
            return
        present = {fp for _, fp in spill.prints() if fp in stored}
        all_new = spill.count - len(present)
        moved = self._place(Placer(stored, present))
        rules = writer.rules
        if rules is not None and all_new:
            authors, first, last = spill.facts()
            # One run over all the comments to add, in posting order, as for a file read whole;
            # the history is the desk's as it stands (a read: no lock held).
            with writer.database.session() as session, session.begin():
                spill.keep_verdicts(
                    check_in_order(
                        session,
                        rules,
                        spill.new_by_time(),
                        authors=authors,
                        first=first,
                        last=last,
                    )
                )

        def plan_of(new: list[tuple[str, int, int]], index: int) -> staging.Plan:
            return staging.Plan(
                article.id,
                article.title,
                created=created,
                already=len(present),
                new=new,
                articles_upto=articles_upto,
                new_source=None if created else self.incoming.source,
                first_part=index,
                all_new=all_new,
            )

        flagged: list[int] = []
        hidden: list[int] = []
        hits = 0
        for index, part in enumerate(spill.new_parts(staging.PART_SIZE)):
            plan = plan_of([(fp, at, comment_id) for fp, at, comment_id, _ in part], index)
            comments = IncomingArticle(
                self.incoming.title,
                self.incoming.body,
                self.incoming.source,
                tuple(comment for _, _, _, comment in part),
            )
            checked = None
            if rules is not None:
                checked = spill.checked(part[0][2], part[-1][2], len(part))
                flagged += [comment_id for comment_id, _ in checked.results]
                hidden += sorted(first_hides(checked.results))
                hits += sum(len(found) for _, found in checked.results)
            by_print = {fp: n for n, (fp, _, _, _) in enumerate(part)}
            self._write(plan, index, comments, by_print, checked)
        if not all_new:
            # Nothing to add: one part all the same, for the import's entry.
            self._write(plan_of([], 0), 0, self.incoming, {}, None)
        if moved:
            with writer.database.transaction() as session:
                staging.stage_moves(session, moved)
        writer.written.changes.append(
            ImportChange(
                article_id=article.id,
                title=article.title,
                source=self.incoming.source,
                created=created,
                added=all_new,
                already_present=len(present),
                warnings=self.incoming.warnings,
            )
        )
        if rules is not None and all_new:
            writer.written.flags.append(
                FlagChange(
                    rule_set_version=rules.version,
                    checked=all_new,
                    flagged=tuple(flagged),
                    hits=hits,
                    hidden=tuple(hidden),
                )
            )

    def _place(self, placer: Placer) -> list[tuple[int, int]]:
        """Each comment's place in the thread, and ids for those to add (reserved a part at
        a time); the stored comments that move, with their new places."""
        database, spill = self.writer.database, self.spill
        waiting: list[tuple[int, str, int]] = []
        above = 0

        def reserve() -> None:
            nonlocal above, waiting
            with database.session() as session, session.begin():
                ids = reserve_ids(session, [fp for _, fp, _ in waiting], above=above).ids
            spill.plan([(at, ids[fp], n) for n, fp, at in waiting])
            above = max(ids.values())
            waiting = []

        for n, fp in spill.prints():
            at = placer.place(fp)
            if at is not None:
                waiting.append((n, fp, at))
                if len(waiting) == _BATCH:
                    reserve()
        if waiting:
            reserve()
        return placer.moved

    def _write(
        self,
        plan: staging.Plan,
        index: int,
        part: IncomingArticle,
        by_print: dict[str, int],
        checked: Checked | None,
    ) -> None:
        writer = self.writer
        if index == 0 and writer.before_write is not None:
            writer.before_write(writer.path)
        with writer.database.transaction() as session:
            writer.stage(session, plan, index, part, by_print=by_print, checked=checked)
        writer.part_stored()
