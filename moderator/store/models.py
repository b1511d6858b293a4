"""The database schema as typed SQLAlchemy models; every change to it is an Alembic migration."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    DateTime,
    Dialect,
    Enum,
    ForeignKey,
    Index,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from moderator.domain import Role, Severity, Status

# Stable constraint names make migrations (and SQLite's batch mode) predictable.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utc_now() -> datetime:
    return datetime.now(UTC)


def sqlite_datetime_text(value: datetime | None) -> str | None:
    """An aware time as SQLite's DATETIME column holds it: UTC, in SQLAlchemy's text format."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: times are stored in UTC")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in Python whatever the database keeps (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: times are stored in UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        # One step to the stored text instead of SQLAlchemy's three per value.
        return sqlite_datetime_text

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _enum(enum_class: type[Any], name: str) -> Enum:
    # Stored as the lowercase values people see in the CLI and exports; a CHECK keeps them honest.
    return Enum(
        enum_class,
        name=name,
        values_callable=lambda members: [member.value for member in members],
        native_enum=False,
        create_constraint=True,
        length=32,
    )


# A comment's urgency when no rule flagged it (0 high, 1 medium, 2 low otherwise).
NOT_FLAGGED = 3
# An editor's step that turns a decision around (published to hidden, or back): the
# insights count these, and a partial index holds them.
TURNAROUND = (
    "role = 'editor' AND from_status IN ('approved', 'hidden')"
    " AND to_status IN ('approved', 'hidden') AND from_status <> to_status"
)
# A comment's hide_rank until the ranker has scored it (ranks run 0 to 10000).
UNSCORED = 10_000


def partial_index(name: str, *columns: str, where: str, postgresql: str | None = None) -> Index:
    """An index over the rows ``where`` holds (``postgresql``: as PostgreSQL spells it).

    The migrations make it with that WHERE; here it is kept in ``info``, where the tests check
    it against both databases, rather than as ``sqlite_where``/``postgresql_where``. Those
    arguments load SQLAlchemy's PostgreSQL dialect as the models load (about 50 ms), and the
    command line's start would pay it on every desk; nothing creates tables from the models.
    Alembic's autogenerate would write a full index: give a new one its WHERE by hand.
    """
    wheres = {"sqlite": where, "postgresql": where if postgresql is None else postgresql}
    return Index(name, *columns, info={"where": wheres})


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


class Article(Base):
    """A news article; ``content_hash`` (title and body) recognises it when it is imported again."""

    __tablename__ = "article"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    # Paragraphs separated by a blank line, as in the scraped format.
    body: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    imported_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)
    # Locked by an editor: no decision on its comments until it is unlocked.
    locked: Mapped[bool] = mapped_column(default=False, server_default=false())

    comments: Mapped[list["Comment"]] = relationship(back_populates="article")

    @property
    def paragraphs(self) -> list[str]:
        return self.body.split("\n\n")


class Author(Base):
    """Someone who wrote comments, known by the name the source shows."""

    __tablename__ = "author"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    first_seen_at: Mapped[datetime] = mapped_column(default=utc_now)


class Comment(Base):
    """A reader's comment on an article, with its moderation state."""

    __tablename__ = "comment"
    __table_args__ = (
        # Recognises a comment again on re-import: author, time and text, numbered if repeated.
        UniqueConstraint("article_id", "fingerprint", name="uq_comment_article_fingerprint"),
        # The queue reads: one article's comments by position, or every article's by time.
        Index("ix_comment_article_status_position", "article_id", "status", "position"),
        Index("ix_comment_status_posted_at", "status", "posted_at", "id"),
        Index("ix_comment_author_id", "author_id"),
        # Every article's queue by severity: the flagged few only (partial), so that storing
        # the many unflagged comments costs nothing more; the rest follow in time order (the
        # index above). One article's queue is small enough to sort.
        # Escalated comments, for the editors' review list (partial: they are few).
        partial_index(
            "ix_comment_escalated",
            "article_id",
            where="escalated = 1",
            postgresql="escalated",
        ),
        # Every article's queue of one status by the ranker's order (ties: severity, time):
        # scored comments only (partial), so that storing new (unscored) ones costs nothing
        # more; the rest follow as by severity (the indexes above and below).
        partial_index(
            "ix_comment_scored_by_rank",
            "status",
            "hide_rank",
            "urgency",
            "posted_at",
            "id",
            where=f"hide_rank < {UNSCORED}",
        ),
        partial_index(
            "ix_comment_flagged_by_urgency",
            "status",
            "urgency",
            "posted_at",
            "id",
            where=f"urgency < {NOT_FLAGGED}",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"))
    position: Mapped[int]
    author_id: Mapped[int] = mapped_column(ForeignKey("author.id"))
    posted_at: Mapped[datetime]
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[Status] = mapped_column(_enum(Status, "comment_status"), default=Status.PENDING)
    escalated: Mapped[bool] = mapped_column(default=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id", ondelete="SET NULL"))
    external_id: Mapped[str | None] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(default=utc_now)
    # The gravest flag, as a sort key: 0 high, 1 medium, 2 low, NOT_FLAGGED (3) none. Kept by
    # the rules' store (services.flagging); the queue's "by severity" order reads it.
    urgency: Mapped[int] = mapped_column(
        SmallInteger, default=NOT_FLAGGED, server_default=text(str(NOT_FLAGGED))
    )

    # Its place by the ranker (moderator.ranking): 0 the likeliest to be hidden, UNSCORED
    # (10000) not scored yet. Kept by services.ranking; the "likely to hide" order reads it.
    hide_rank: Mapped[int] = mapped_column(
        SmallInteger, default=UNSCORED, server_default=text(str(UNSCORED))
    )
    # The log entry that last changed the comment's status or escalation (0: none since it
    # was stored): a desk sends the version it showed with a decision, and a comment changed
    # since by someone else is refused rather than silently decided over.
    version: Mapped[int] = mapped_column(default=0, server_default=text("0"))

    article: Mapped["Article"] = relationship(back_populates="comments")
    author: Mapped["Author"] = relationship()
    flags: Mapped[list["Flag"]] = relationship(back_populates="comment")


class Profile(Base):
    """A person at the desk and the role they act in."""

    __tablename__ = "profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[Role] = mapped_column(_enum(Role, "profile_role"), default=Role.MODERATOR)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class RankerState(Base):
    """The ranker learnt from the desk's decisions, in one row (``id`` 1): its model
    (``moderator.ranking.model.Ranker`` as bytes), how many decisions it holds, the log entry
    it has learnt up to, and a revision that every save moves on (desks sharing a database
    learn in turn, each from where the last left off)."""

    __tablename__ = "ranker"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    model: Mapped[bytes] = mapped_column(LargeBinary)
    decisions: Mapped[int]
    # The log entries it has learnt: after learned_from (a reset's), up to learned_upto.
    learned_from: Mapped[int]
    learned_upto: Mapped[int]
    revision: Mapped[int]
    saved_at: Mapped[datetime]


class RankerSeed(Base):
    """A labelled comment the ranker was trained on (``moderator rank train``): not in the
    database otherwise, kept so that its batch model, refit from every decision, still
    learns from it. Cleared when the ranker starts over."""

    __tablename__ = "ranker_seed"

    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    hidden: Mapped[bool]


class DecisionHour(Base):
    """People's decisions in one hour (UTC, "YYYY-MM-DD HH"), by one person, of one action:
    what the insights' charts over months read (``moderator.insights.stats``). Kept up with the log
    by ``moderator.insights.stats.roll_up``, up to ``StatsRollup.rolled_upto``."""

    __tablename__ = "decision_hour"

    hour: Mapped[str] = mapped_column(String(13), primary_key=True)
    actor: Mapped[str] = mapped_column(String(200), primary_key=True)
    action: Mapped[str] = mapped_column(String(32), primary_key=True)
    count: Mapped[int]


class QueueFlow(Base):
    """How the pending queue changed in one hour (UTC, "YYYY-MM-DD HH"), for the comments of
    one article imported at one moment: ``change`` is the comments that arrived then, less
    those that left the queue, plus those put back. Summed over the hours up to a moment, it
    gives the queue then: how many were pending, and since when the oldest had waited.
    Kept up with the log by ``moderator.insights.queue.roll_up`` (``StatsRollup`` id 2)."""

    __tablename__ = "queue_flow"

    hour: Mapped[str] = mapped_column(String(13), primary_key=True)
    article_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    arrived_at: Mapped[datetime] = mapped_column(primary_key=True)
    change: Mapped[int]


class QueueImport(Base):
    """One import's comments still pending, as of the roll-up (``QueueFlow``'s sum per
    import): where the next roll-up carries on from."""

    __tablename__ = "queue_import"

    article_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    arrived_at: Mapped[datetime] = mapped_column(primary_key=True)
    pending: Mapped[int]


class QueueSpell(Base):
    """A spell of hours in which one import had comments pending: from the end of
    ``since_hour`` to the end of the hour before ``until_hour`` (None: still has). The
    oldest pending comment at a moment is the earliest import with a spell open then; the
    spells are few (an import's comments are mostly decided within days), so finding it
    needs no walk through every hour's flow."""

    __tablename__ = "queue_spell"

    article_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    arrived_at: Mapped[datetime] = mapped_column(primary_key=True)
    since_hour: Mapped[str] = mapped_column(String(13), primary_key=True)
    until_hour: Mapped[str | None] = mapped_column(String(13))


class DecisionWait(Base):
    """How long one article's comments waited from their import to a person's first decision,
    as counts per span of time (``bucket``: ``moderator.insights.queue.wait_bucket``), so that
    the median and 90th percentile need no list of every wait. Kept with ``QueueFlow``."""

    __tablename__ = "decision_wait"

    article_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    bucket: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    count: Mapped[int]


class StatsRollup(Base):
    """How far ``decision_hour`` has counted the log (``id`` 1), and how far
    ``queue_flow`` and ``decision_wait`` have (``id`` 2)."""

    __tablename__ = "stats_rollup"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    rolled_upto: Mapped[int]


class Claim(Base):
    """A comment someone has open at their desk, until ``expires_at``: teammates' "next"
    passes it by. Advisory and short-lived, so not logged; a desk renews its claim while the
    comment stays open, and one that is closed (or crashed) lets it lapse."""

    __tablename__ = "claim"
    __table_args__ = (Index("ix_claim_expires_at", "expires_at"),)

    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comment.id", ondelete="CASCADE"), primary_key=True
    )
    holder: Mapped[str] = mapped_column(String(200))
    # Which window of the holder's (several may be open on one name): its own claim is no
    # obstacle to it, another window's is.
    desk: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]
    # The machine and process of the desk: a desk killed before it could release its claim
    # leaves it behind, and the same person starting again on that machine ends it at once
    # (no process of that number runs any more) instead of being kept off for minutes.
    # '' and 0 for claims made before these were recorded: nobody's to end early.
    host: Mapped[str] = mapped_column(String(255), server_default="")
    pid: Mapped[int] = mapped_column(server_default=text("0"))


class LogEntryRow(Base):
    """One entry of the moderation log: appended, never changed, chained to the one before.

    The columns are the entry itself (``moderator.formats.modlog`` rebuilds its canonical text
    from them); ``hash`` is the SHA-256 of that text, and the text holds ``prev_hash``, the
    hash of the entry before. Kinds, roles and statuses are plain strings, not enums with a
    CHECK: the log must take new kinds of entry without copying a table of millions of rows,
    and what may be written is decided by the one function that appends.
    """

    __tablename__ = "log_entry"
    __table_args__ = (
        Index("ix_log_entry_comment_id", "comment_id", "seq"),
        Index("ix_log_entry_article_id", "article_id", "seq"),
        Index("ix_log_entry_action", "action", "seq"),
        Index("ix_log_entry_actor", "actor", "seq"),
        Index("ix_log_entry_created_at", "created_at"),
        # An editor turning a decision around (moderator.insights.stats): few, found at once.
        partial_index(
            "ix_log_entry_turnaround",
            "comment_id",
            "seq",
            where=TURNAROUND,
        ),
    )

    # Numbered by the log itself, without gaps: a missing number is a missing entry.
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    prev_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))
    # The role at the time of acting (a profile's role may change later), or "system".
    role: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(32))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id", ondelete="RESTRICT"))
    article_id: Mapped[int | None] = mapped_column(ForeignKey("article.id", ondelete="RESTRICT"))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    escalated: Mapped[bool | None]
    reason: Mapped[str | None] = mapped_column(String(32))
    rule_set_version: Mapped[str | None] = mapped_column(String(64))
    # The entry an undo or a revert puts back.
    reverts: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(Text)
    # The evidence object's canonical JSON text, kept as text so that its bytes never change.
    evidence: Mapped[str | None] = mapped_column(Text)
    hash: Mapped[str] = mapped_column(String(64))


class LogHead(Base):
    """The log's last entry number and hash, in one row.

    Appending locks it, so that two desks never give out the same number; and it remembers
    the end of the chain, so that entries cut off the end are missed.
    """

    __tablename__ = "log_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int]
    hash: Mapped[str] = mapped_column(String(64))


class Note(Base):
    """A note someone left on a comment or on an author; its log entry is the record, this row
    is how the desk finds it again."""

    __tablename__ = "note"
    __table_args__ = (
        Index("ix_note_comment_id", "comment_id"),
        Index("ix_note_author_id", "author_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id", ondelete="RESTRICT"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("author.id", ondelete="RESTRICT"))
    text: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    entry_seq: Mapped[int] = mapped_column(ForeignKey("log_entry.seq", ondelete="RESTRICT"))


class Flag(Base):
    """A rule's hit on a comment, with the evidence that explains it."""

    __tablename__ = "flag"
    __table_args__ = (Index("ix_flag_comment_id", "comment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"))
    rule_id: Mapped[str] = mapped_column(String(200))
    rule_set_version: Mapped[str] = mapped_column(String(64))
    severity: Mapped[Severity] = mapped_column(_enum(Severity, "flag_severity"))
    # [[start, end], ...] character offsets into the comment body as stored.
    spans: Mapped[list[list[int]]] = mapped_column(JSON, default=list)
    explanation: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

    comment: Mapped["Comment"] = relationship(back_populates="flags")


class ImportBatch(Base):
    """The import being written, if any: at most one at a time (``id`` is always 1, so the
    row is also the lock that keeps a second import waiting).

    A big file is written in parts, each its own short transaction, so that other desks'
    decisions never wait long. Its comments are stored first, out of sight: every query of
    the desk (``moderator.store.visibility``) sees only the comments with ids up to
    ``comments_upto`` and the articles up to ``articles_upto``. Then (``state`` moves from
    ``staging`` to ``publishing``) each part's log entries (``ImportStep``) are appended and
    its comments shown, together. A desk killed while staging leaves rows the next import
    deletes; one killed while publishing leaves steps the next import finishes, so a file is
    never left half imported.
    """

    __tablename__ = "import_batch"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    state: Mapped[str] = mapped_column(String(16))
    comments_upto: Mapped[int]
    articles_upto: Mapped[int]
    # Authors past this one were first seen by the import: taken back with it if discarded.
    authors_upto: Mapped[int]
    # Who imports what, and the process doing it: a batch whose process has ended (or, from
    # another machine, that has not moved for a while) is taken over by the next import.
    actor: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(Text)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int]
    started_at: Mapped[datetime]
    touched_at: Mapped[datetime]


class ImportStep(Base):
    """One log entry of the import being written, to be appended when its part is shown:
    ``part`` in order, and within it ``n``; showing the part moves the limits to its own."""

    __tablename__ = "import_step"
    __table_args__ = (Index("ix_import_step_part", "part", "n"),)

    n: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    part: Mapped[int]
    comments_upto: Mapped[int]
    articles_upto: Mapped[int]
    actor: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    rule_set_version: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    comment_id: Mapped[int | None]
    article_id: Mapped[int | None]
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    escalated: Mapped[bool | None]
    reason: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[str | None] = mapped_column(Text)
    # The entry moves its comment to ``to_status`` (a rule's hide): done with the append.
    moves_comment: Mapped[bool] = mapped_column(default=False)
    # The source a stored article takes from the import, with its import entry.
    new_source: Mapped[str | None] = mapped_column(Text)


class ImportMove(Base):
    """A stored comment's new place in its thread, or the comment it answers (as the newest
    export has it), taken when the import's last part is shown."""

    __tablename__ = "import_move"

    comment_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    position: Mapped[int | None]
    parent_id: Mapped[int | None]
