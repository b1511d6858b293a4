"""A scraped file's new comments imported in parts (``moderator.services.staging``), each
part a short transaction, so that other desks' decisions wait well under two seconds however
big the file is; the file still lands whole or not at all.

The order: take the import lock (finishing or discarding the import of a process that
ended), work out the article and the comments' ids, check them with the rules (a read),
store them part by part out of sight, then show them part by part with their log entries.
A failure before the showing begins discards what was stored; from then on the import is
finished by whoever takes the lock next.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from moderator.formats.errors import FormatError
from moderator.formats.records import IncomingArticle
from moderator.output.display import path_text
from moderator.rules.model import CommentSnapshot, RuleSet
from moderator.services import staging
from moderator.services.changes import ImportChange
from moderator.services.flagging import Checked, FlagChange, check_new, first_hides
from moderator.services.history import Actor
from moderator.services.importing import article_hash
from moderator.services.moderation import ensure_profile
from moderator.store.batching import chunked
from moderator.store.database import Database
from moderator.store.models import utc_now
from moderator.store.visibility import see_all_rows

# Called after each part: ("stored" or "shown", the part's number from 0).
AfterPart = Callable[[str, int], None]
# How long an import waits for another one, still running, to be written.
WAIT_FOR_OTHER = 600.0
_POLL = 0.25
# A SQLite writer kept waiting by a lock naps up to 100 ms between tries, and a part begins
# as soon as the last one commits: without a pause longer than that nap now and then, a
# desk could sleep through every gap and wait out the whole import. So after 0.3 s
# of writing parts (one big part, or many small articles' ones) the import pauses.
# (PostgreSQL queues waiters in turn: no pause there.)
GAP_FOR_OTHERS = 0.11
WRITE_BETWEEN_GAPS = 0.3
# Imports this process is writing now (threads of one window could start two).
_writing = 0
_writing_lock = threading.Lock()


class ImportBusyError(RuntimeError):
    """Another import was being written all the while this one waited."""


class ShowingInterruptedError(RuntimeError):
    """The database refused a write while the import's parts were being shown: the parts
    shown stay (each whole, with its log entries), and the next import shows the rest."""

    SAID = "The parts shown so far stay, each whole; the next import shows the rest."

    def __init__(self, cause: Exception) -> None:
        super().__init__(str(cause))
        self.cause = cause


@contextlib.contextmanager
def _counted() -> Iterator[None]:
    """Count this process's imports while one is written (see claim's ``writing_here``)."""
    global _writing  # noqa: PLW0603 - one count for the process
    with _writing_lock:
        _writing += 1
    try:
        yield
    finally:
        with _writing_lock:
            _writing -= 1


def take_lock(database: Database, *, actor: str, source: str) -> None:
    """Hold the import lock: wait for a running import; finish or discard an abandoned one."""
    deadline = time.monotonic() + WAIT_FOR_OTHER
    while True:
        try:
            with database.transaction() as session:
                holder = staging.claim(
                    session, actor=actor, source=source, writing_here=_writing > 0
                )
        except IntegrityError:
            # PostgreSQL: another import made the lock's row between our look and our insert.
            if time.monotonic() >= deadline:
                raise ImportBusyError(
                    "another import is still being written; try again once it is done"
                ) from None
            time.sleep(_POLL)
            continue
        if holder is None:
            return
        if not holder.alive:
            _finish_abandoned(database, holder.state)
            continue
        if time.monotonic() >= deadline:
            raise ImportBusyError(
                f"another import is still being written: {holder.source} by {holder.actor},"
                f" since {holder.started_at:%Y-%m-%d %H:%M} UTC; try again once it is done"
            )
        time.sleep(_POLL)


def _finish_abandoned(database: Database, state: str) -> None:
    """The import a process left behind: discarded if it was still being stored, finished
    if it was being shown."""
    if state == staging.PUBLISHING:
        _show_all(database, None)
    else:
        _discard(database)


def _discard(database: Database) -> None:
    while True:
        with database.transaction() as session:
            if staging.discard_some(session):
                return
        _let_others_in(database)


def _show_all(database: Database, after_part: AfterPart | None) -> None:
    index = 0
    while True:
        with database.transaction() as session:
            more = staging.publish_part(session)
        if after_part is not None:
            after_part("shown", index)
        if not more:
            return
        _let_others_in(database)
        index += 1


_last_gap = threading.local()


def _let_others_in(database: Database) -> None:
    """Pause for other desks if this thread has written for long enough since its last."""
    if database.engine.dialect.name != "sqlite":
        return
    now = time.monotonic()
    since = getattr(_last_gap, "at", None)
    if since is None or now - since >= WRITE_BETWEEN_GAPS:
        if since is not None:
            time.sleep(GAP_FOR_OTHERS)
        _last_gap.at = time.monotonic()


@dataclass(slots=True)
class Written:
    """What an import in parts did: each article's change and its rules' verdict, and the
    fault a ``recover`` run stopped reading at."""

    changes: list[ImportChange] = field(default_factory=list)
    flags: list[FlagChange] = field(default_factory=list)
    fault: FormatError | None = None


def store_in_parts(
    database: Database,
    path: Path,
    articles: Iterable[tuple[IncomingArticle, list[str]]],
    *,
    rules: RuleSet | None,
    actor: str,
    before_write: Callable[[Path], None] | None = None,
    after_part: AfterPart | None = None,
    recover: bool = False,
) -> Written:
    """Import a file's articles (with their comments' fingerprints), each article's new
    comments in parts, under the import lock (taken here). A :class:`FormatError` raised
    while the articles are read discards them all, unless ``recover``: then the articles
    read before it are imported and the fault is returned."""

    def feed(writer: Writer) -> None:
        try:
            for group in _groups(articles):
                if len(group) > 1:
                    writer.small(group)
                else:
                    writer.big(*group[0])
        except FormatError as error:
            if not recover:
                raise
            writer.written.fault = error

    return write_in_parts(
        database,
        path,
        feed,
        rules=rules,
        actor=actor,
        before_write=before_write,
        after_part=after_part,
    )


def write_in_parts(
    database: Database,
    path: Path,
    feed: Callable[[Writer], None],
    *,
    rules: RuleSet | None,
    actor: str,
    before_write: Callable[[Path], None] | None = None,
    after_part: AfterPart | None = None,
) -> Written:
    """Under the import lock (taken here), ``feed`` stores a file's comments through the
    writer it is given, out of sight; then they are shown, part by part. Whatever ``feed``
    raises discards all it stored."""
    with _counted():
        holding = showing = False
        try:
            take_lock(database, actor=actor, source=path_text(path))
            holding = True
            writer = Writer(database, path, rules, before_write, after_part)
            with database.transaction() as session:
                writer.start(session, actor)
            feed(writer)
            with database.transaction() as session:
                staging.start_publishing(session)
            showing = True
            try:
                _show_all(database, after_part)
            except SQLAlchemyError as error:
                raise ShowingInterruptedError(error) from error
        except BaseException:
            if holding and not showing:
                # Nothing was shown: take it all back (if that fails too, the next import does).
                with contextlib.suppress(Exception):  # the first error is the one to report
                    _discard(database)
            raise
    return writer.written


class Writer:
    """Stores one file's articles out of sight, numbering the parts as it goes."""

    def __init__(
        self,
        database: Database,
        path: Path,
        rules: RuleSet | None,
        before_write: Callable[[Path], None] | None,
        after_part: AfterPart | None,
    ) -> None:
        self.database = database
        self.path = path
        self.rules = rules
        self.before_write = before_write
        self.after_part = after_part
        self.written = Written()
        self.now = utc_now()
        self.number = 0
        self.shown_upto = 0
        self.acting = Actor("", "")
        # Whether a part the rules checked was stored yet (the first logs the rule set).
        self.checked_before = False

    def start(self, session: Session, actor: str) -> None:
        self.acting = Actor.of(ensure_profile(session, actor))
        self.shown_upto = staging.limits(session)

    def small(self, group: list[tuple[IncomingArticle, list[str]]]) -> None:
        """Small articles stored together, as one part: planned in one short write, checked
        by the rules in a read (their history: the desk's, the file's articles before them,
        and each other's comments by time), then stored in a second short write."""
        plans: list[tuple[staging.Plan, IncomingArticle, dict[str, int]]] = []
        with self.database.transaction() as session:
            # An article the file gave earlier, stored out of sight, is found again.
            see_all_rows(session)
            above = 0
            for incoming, prints in group:
                plan = staging.plan_article(session, incoming, prints, now=self.now, above=above)
                above = max([above, *(comment_id for _, _, comment_id in plan.new)])
                plans.append((plan, incoming, {p: n for n, p in enumerate(prints)}))
        checked = None
        if self.rules is not None:
            snapshots = [s for plan in plans for s in snapshots_of(*plan)]
            if snapshots:
                checked = check(self.database, self.rules, snapshots)
        with self.database.transaction() as session:
            for plan, incoming, by_print in plans:
                mine = None if checked is None or not plan.new else _within(checked, plan)
                self.stage(session, plan, 0, incoming, by_print=by_print, checked=mine)
                staging.stage_replies(session, plan.replies)
                _tell(self.written, plan, incoming, by_print, _verdict(self.rules, mine))
        self.part_stored()

    def big(self, incoming: IncomingArticle, prints: list[str]) -> None:
        """An article of its own: checked outside the write lock, stored part by part."""
        with self.database.transaction() as session:
            # An article the file gave earlier, stored out of sight, is found again.
            see_all_rows(session)
            plan = staging.plan_article(session, incoming, prints, now=self.now)
        by_print = {fingerprint: n for n, fingerprint in enumerate(prints)}
        checked = None
        if self.rules is not None and plan.new:
            checked = check(self.database, self.rules, snapshots_of(plan, incoming, by_print))
        if self.before_write is not None:
            self.before_write(self.path)
        for index in range(max(plan.parts, 1)):
            with self.database.transaction() as session:
                self.stage(session, plan, index, incoming, by_print=by_print, checked=checked)
            self.part_stored()
        for replies in chunked(plan.replies, staging.PART_SIZE):
            with self.database.transaction() as session:
                staging.stage_replies(session, replies)
        _tell(self.written, plan, incoming, by_print, _verdict(self.rules, checked))

    def stage(
        self,
        session: Session,
        plan: staging.Plan,
        index: int,
        incoming: IncomingArticle,
        *,
        by_print: dict[str, int],
        checked: Checked | None,
    ) -> None:
        self.shown_upto = staging.stage_part(
            session,
            plan,
            index,
            incoming,
            by_print,
            actor=self.acting,
            now=self.now,
            number=self.number,
            shown_upto=self.shown_upto,
            rules=_verdict(self.rules, checked),
            first_checked=not self.checked_before,
        )
        if checked is not None and plan.part(index):
            self.checked_before = True

    def part_stored(self) -> None:
        if self.after_part is not None:
            self.after_part("stored", self.number)
        self.number += 1
        _let_others_in(self.database)


# Small articles are stored together, up to this many comments (or articles) a part: one
# rules run over them, and two short writes (their plan, then their rows).
GROUP_COMMENTS = 1_000
GROUP_ARTICLES = 100


def _groups(
    articles: Iterable[tuple[IncomingArticle, list[str]]],
) -> Iterator[list[tuple[IncomingArticle, list[str]]]]:
    """The articles in groups to store as one part each: small ones together, a big one
    alone. A fault in reading ends the groups with the articles read before it, then is
    raised."""
    group: list[tuple[IncomingArticle, list[str]]] = []
    size = 0
    # A group's articles are planned before any is stored: one the file gives twice must
    # wait for the next group, to find its first time's comments stored.
    hashes: set[str] = set()
    try:
        for item in articles:
            count = len(item[1])
            digest = article_hash(item[0].title, item[0].body)
            if group and (
                size + count > min(GROUP_COMMENTS, staging.PART_SIZE)
                or len(group) >= GROUP_ARTICLES
                or count > min(GROUP_COMMENTS, staging.PART_SIZE)
                or digest in hashes
            ):
                yield group
                group, size = [], 0
                hashes.clear()
            group.append(item)
            hashes.add(digest)
            size += count
    except FormatError:
        if group:
            yield group
        raise
    if group:
        yield group


def _verdict(rules: RuleSet | None, checked: Checked | None) -> tuple[RuleSet, Checked] | None:
    return None if rules is None or checked is None else (rules, checked)


def _tell(
    written: Written,
    plan: staging.Plan,
    incoming: IncomingArticle,
    by_print: dict[str, int],
    verdict: tuple[RuleSet, Checked] | None,
) -> None:
    """Add what one article's import did to the report."""
    if plan.locked is not None:
        written.changes.append(plan.locked)
        return
    written.changes.append(
        ImportChange(
            article_id=plan.article_id,
            title=plan.title,
            source=incoming.source,
            created=plan.created,
            added=len(plan.new),
            already_present=plan.already,
            warnings=incoming.warnings,
        )
    )
    if verdict is None:
        return
    rules, checked = verdict
    results = checked.results
    decided = {
        comment_id
        for fingerprint, _, comment_id in plan.new
        if incoming.comments[by_print[fingerprint]].state != "pending"
    }
    written.flags.append(
        FlagChange(
            rule_set_version=rules.version,
            checked=checked.checked,
            flagged=tuple(sorted(comment_id for comment_id, _ in results)),
            hits=sum(len(hits) for _, hits in results),
            hidden=tuple(sorted(first_hides([r for r in results if r[0] not in decided]))),
        )
    )


def check(database: Database, rules: RuleSet, snapshots: list[CommentSnapshot]) -> Checked:
    """The rules' verdict on new comments, under their ids to be, from the desk's history
    as it stands now (a read: no lock held)."""
    with database.session() as session, session.begin():
        # The file's articles stored before these are their history too.
        see_all_rows(session)
        return check_new(session, rules, snapshots)


def _within(checked: Checked, plan: staging.Plan) -> Checked:
    """The part of a verdict on several articles' comments that is about this one's."""
    ids = {comment_id for _, _, comment_id in plan.new}
    results = [(comment_id, hits) for comment_id, hits in checked.results if comment_id in ids]
    return Checked(
        len(ids), results, {comment_id: checked.evidence[comment_id] for comment_id, _ in results}
    )


def snapshots_of(
    plan: staging.Plan, incoming: IncomingArticle, by_print: dict[str, int]
) -> list[CommentSnapshot]:
    """The comments to add as the rules see them, under their ids to be."""
    snapshots = []
    for fingerprint, _, comment_id in plan.new:
        comment = incoming.comments[by_print[fingerprint]]
        snapshots.append(
            CommentSnapshot(
                body=comment.body, author=comment.author, posted_at=comment.posted_at, id=comment_id
            )
        )
    return snapshots
