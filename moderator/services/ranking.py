"""The desk's ranker, kept in the database: learnt from the log's decisions, seeded from a
labelled CSV, reset, and used to place pending comments in the "likely to hide" order.

The model lives in one row (``RankerState``) with the log entry it has learnt up to, so
learning picks up where it left off, after a restart or at another desk of a team: whoever
learns locks the row first, learns the decisions after that entry, and saves.

Until the ranker is ready (``Readiness``: enough decisions, hides and kept among them) it
learns but places nothing: no comment has a score, and the "likely" order is the rules'
severity, as before anything is learnt.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from moderator.domain import SYSTEM, Status
from moderator.domain.errors import MissingInputError, NotFoundError, ServiceError
from moderator.output.display import path_text
from moderator.ranking.features import Sample
from moderator.ranking.model import (
    NOTHING_LEARNT,
    REFIT_AT_MOST,
    Ranker,
    RankerError,
    Readiness,
    Reason,
)
from moderator.ranking.refit import BatchModel
from moderator.rules.model import AuthorHistory, CommentSnapshot, HideScorer
from moderator.services.history import Actor, NewEntry, append, lock_log
from moderator.services.roles import require_editor
from moderator.store.batching import chunked
from moderator.store.models import (
    UNSCORED,
    Comment,
    Flag,
    LogEntryRow,
    Profile,
    RankerSeed,
    RankerState,
    utc_now,
)

RANKER_ID = 1
# Decisions a person made, and what each says: 1 hidden, 0 published. (The rules' own hides,
# by "system", teach nothing: they are what the rules already say.)
LABELS = {"hide": 1, "uphold": 1, "approve": 0, "overturn": 0}
PUT_BACK = ("undo", "revert")
TRAINED = "ranker-trained"
RESET = "ranker-reset"
# At most this many decisions are learnt in one unit of work (the window learns as it goes;
# a desk that was away catches up over a few).
LEARN_AT_MOST = 5_000
# Pending comments scored per unit of work.
SCORE_PAGE = 5_000
# Enough of a stored model's bytes to hold its header line (about 90 bytes).
_HEADER_BYTES = 512


@dataclass(frozen=True, slots=True)
class RankerStatus:
    """What the ranker has learnt: decisions, up to which log entry, how often saved."""

    decisions: int
    learned_upto: int
    log_head: int
    revision: int
    stored_bytes: int
    scored_pending: int
    pending: int
    # None: a model stored before hides were counted.
    hides: int | None = 0
    # Whether its batch model is fit (its scores are probabilities that mean something).
    calibrated: bool = False

    @property
    def trained(self) -> bool:
        return self.decisions > 0

    @property
    def readiness(self) -> Readiness:
        return Readiness(self.decisions, self.hides, calibrated=self.calibrated)


@dataclass(frozen=True, slots=True)
class LearnReport:
    learned: int
    forgotten: int
    learned_upto: int
    decisions: int
    # More decisions wait to be learnt (more than one unit of work takes).
    more: bool


class StoredRankerError(ServiceError):
    """The ranker in the database cannot be read (damaged, or from another version)."""


class CsvError(MissingInputError):
    """A labelled CSV that cannot be learnt from; the message lists every FILE:LINE fault."""


def load(session: Session, *, for_update: bool = False) -> tuple[Ranker, RankerState | None]:
    """The stored ranker (a new one if none is stored) and its row. ``for_update`` locks the
    row (PostgreSQL) so that two desks never learn over each other."""
    query = select(RankerState).where(RankerState.id == RANKER_ID)
    if for_update:
        lock_log(session)  # the order every writer locks in: the log, then the rest
        query = query.with_for_update()
    state = session.scalar(query)
    if state is None:
        return Ranker(), None
    try:
        return Ranker.from_bytes(state.model), state
    except RankerError as error:
        raise StoredRankerError(
            f"the stored ranker cannot be read ({error}); `moderator rank reset` starts over"
        ) from None


def save(
    session: Session,
    ranker: Ranker,
    learned_upto: int,
    state: RankerState | None,
    *,
    learned_from: int = 0,
) -> None:
    """Store the ranker (one row, its revision moved on). ``learned_from``: for a new row,
    the log entry it starts after (a reset's)."""
    if state is None:
        state = RankerState(id=RANKER_ID, revision=0, learned_from=learned_from)
        session.add(state)
    state.model = ranker.to_bytes()
    state.decisions = ranker.decisions
    state.learned_upto = learned_upto
    state.revision = (state.revision or 0) + 1
    state.saved_at = utc_now()
    session.flush()


def save_in_place(session: Session, ranker: Ranker, state: RankerState | None) -> None:
    """Store the ranker where it stands in the log: learnt from and up to the same entries."""
    save(
        session,
        ranker,
        state.learned_upto if state is not None else 0,
        state,
        learned_from=state.learned_from if state is not None else 0,
    )


def status(session: Session) -> RankerStatus:
    state = session.scalar(select(RankerState).where(RankerState.id == RANKER_ID))
    head = session.scalar(select(func.max(LogEntryRow.seq))) or 0
    pending = (
        session.scalar(select(func.count(Comment.id)).where(Comment.status == Status.PENDING)) or 0
    )
    scored = (
        session.scalar(
            select(func.count(Comment.id)).where(
                Comment.status == Status.PENDING, Comment.hide_rank < UNSCORED
            )
        )
        or 0
    )
    if state is None:
        return RankerStatus(0, 0, head, 0, 0, scored, pending)
    stored = Ranker.stored_readiness(state.model[:_HEADER_BYTES])
    return RankerStatus(
        state.decisions,
        state.learned_upto,
        head,
        state.revision,
        len(state.model),
        scored,
        pending,
        stored.hides,
        stored.calibrated,
    )


def readiness(session: Session) -> Readiness:
    """How far the stored ranker has got, read from its header alone (a few bytes, not the
    model): not ready while none is stored or it cannot be read."""
    head = session.scalar(
        select(func.substr(RankerState.model, 1, _HEADER_BYTES)).where(RankerState.id == RANKER_ID)
    )
    if head is None:
        return NOTHING_LEARNT
    return Ranker.stored_readiness(bytes(head))


def samples_for(session: Session, ids: Sequence[int]) -> dict[int, Sample]:
    """Each comment as the ranker reads it: its text, the rules' hits on it, and whether
    its author has had other comments hidden or published (never counting the comment
    itself: a decision must not be learnt from its own outcome)."""
    found: dict[int, Sample] = {}
    for chunk in chunked(sorted(set(ids))):
        rows = session.execute(
            select(Comment.id, Comment.body, Comment.author_id, Comment.status).where(
                Comment.id.in_(chunk)
            )
        ).all()
        hits: dict[int, list[str]] = {}
        for comment_id, rule_id, severity in session.execute(
            select(Flag.comment_id, Flag.rule_id, Flag.severity).where(Flag.comment_id.in_(chunk))
        ):
            hits.setdefault(comment_id, []).extend((f"rule:{rule_id}", f"severity:{severity}"))
        authors = sorted({row[2] for row in rows})
        record: dict[tuple[int, Status], int] = {}
        for author_id, decided, count in session.execute(
            select(Comment.author_id, Comment.status, func.count(Comment.id))
            .where(Comment.author_id.in_(authors), Comment.status != Status.PENDING)
            .group_by(Comment.author_id, Comment.status)
        ):
            record[author_id, decided] = count
        for comment_id, body, author_id, own in rows:
            extras = [*hits.get(comment_id, ())]
            for decided, extra in (
                (Status.HIDDEN, "author:hidden-before"),
                (Status.APPROVED, "author:published-before"),
            ):
                if record.get((author_id, decided), 0) - (own == decided) > 0:
                    extras.append(extra)
            found[comment_id] = Sample(body, tuple(extras))
    return found


_Entry = tuple[int, str, str, int | None, int | None]  # seq, action, actor, comment, reverts


def _label_entries(
    session: Session, *, after: int, upto: int | None, comment_ids: Sequence[int] | None, limit: int
) -> list[_Entry]:
    query = select(
        LogEntryRow.seq,
        LogEntryRow.action,
        LogEntryRow.actor,
        LogEntryRow.comment_id,
        LogEntryRow.reverts,
    ).where(
        LogEntryRow.seq > after,
        LogEntryRow.comment_id.is_not(None),
        LogEntryRow.action.in_([*LABELS, *PUT_BACK]),
    )
    if upto is not None:
        query = query.where(LogEntryRow.seq <= upto)
    if comment_ids is not None:
        query = query.where(LogEntryRow.comment_id.in_(comment_ids))
    rows = session.execute(query.order_by(LogEntryRow.seq).limit(limit))
    return [(seq, action, actor, comment, reverts) for seq, action, actor, comment, reverts in rows]


class _Labels:
    """Which label each comment holds in the model: its latest decision by a person (an
    approve after a hide replaces it; an undo or a revert of it takes it away)."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self.held: dict[int, int] = {}

    def replay(
        self,
        entries: Sequence[_Entry],
        ranker: Ranker | None = None,
        samples: dict[int, Sample] | None = None,
    ) -> tuple[int, int]:
        """Follow the entries in order; with a ranker, teach it too. (learned, taken back)."""
        reverted = _reverted(self._session, [e[4] for e in entries if e[1] in PUT_BACK])
        learned = taken_back = 0
        for _, action, actor, comment_id, reverts in entries:
            if comment_id is None:
                continue
            sample = None if samples is None else samples.get(comment_id)
            held = self.held.get(comment_id)
            if action in PUT_BACK:
                undone = reverted.get(reverts or 0)
                if undone is None or held != LABELS[undone]:
                    continue
                del self.held[comment_id]
            elif actor == SYSTEM:
                continue
            else:
                self.held[comment_id] = LABELS[action]
            if ranker is None or sample is None:
                continue
            if held is not None:
                ranker.forget(sample, hidden=bool(held))
                taken_back += 1
            if action in LABELS:
                ranker.learn(sample, hidden=bool(LABELS[action]))
                learned += 1
        return learned, taken_back


def learn_from_log(session: Session, *, at_most: int = LEARN_AT_MOST) -> LearnReport:
    """Learn the decisions logged since the ranker last learnt, up to ``at_most`` entries,
    then save it. Each comment holds one label, its latest decision by a person: a later
    decision replaces an earlier one, an undone one is taken back. Locks the ranker first:
    one desk learns at a time."""
    ranker, state = load(session, for_update=True)
    since = state.learned_upto if state is not None else 0
    began = state.learned_from if state is not None else 0
    entries = _label_entries(session, after=since, upto=None, comment_ids=None, limit=at_most + 1)
    more = len(entries) > at_most
    entries = entries[:at_most]
    comment_ids = sorted({e[3] for e in entries if e[3] is not None})
    labels = _Labels(session)
    # What these comments already hold in the model: their decisions learnt before.
    for chunk in chunked(comment_ids):
        labels.replay(
            _label_entries(session, after=began, upto=since, comment_ids=chunk, limit=10**9)
        )
    samples = samples_for(session, comment_ids)
    learned, forgotten = labels.replay(entries, ranker, samples)
    upto = entries[-1][0] if entries else since
    if more or learned or forgotten or state is None or upto != since:
        save(session, ranker, upto, state, learned_from=began)
    return LearnReport(learned, forgotten, upto, ranker.decisions, more)


@dataclass(frozen=True, slots=True)
class TrainingSet:
    """What the batch model is fit on: the labelled comments of ``rank train`` (seeds), then
    each comment's latest decision by a person that the ranker has learnt (the latest
    ``REFIT_AT_MOST`` in all); and how many decisions the ranker held when it was read."""

    samples: list[Sample]
    hidden: list[bool]
    decisions: int
    # The log entry the ranker started after (a reset's): a fit for another start is stale.
    learned_from: int = 0

    @property
    def readiness(self) -> Readiness:
        """Whether these decisions are enough to fit on, as the ranker's own are judged."""
        return Readiness(len(self.hidden), sum(self.hidden))


def training_set(
    session: Session, loaded: tuple[Ranker, RankerState | None] | None = None
) -> TrainingSet | None:
    """The decisions to refit the batch model from (reading only: the fit runs outside any
    write); None while no ranker is stored. ``loaded``: the stored ranker and its row, if
    already read (see :func:`load`)."""
    ranker, state = load(session) if loaded is None else loaded
    if state is None:
        return None
    labels = _Labels(session)
    entries = _label_entries(
        session, after=state.learned_from, upto=state.learned_upto, comment_ids=None, limit=10**9
    )
    labels.replay(entries)
    # The latest decided comments (a label replaced keeps its first place: near enough).
    decided = list(labels.held.items())[-REFIT_AT_MOST:]
    seeds = session.execute(
        select(RankerSeed.body, RankerSeed.hidden)
        .order_by(RankerSeed.id.desc())
        .limit(max(0, REFIT_AT_MOST - len(decided)))
    ).all()
    samples = [Sample(body) for body, _ in reversed(seeds)]
    hidden = [bool(hide) for _, hide in reversed(seeds)]
    found = samples_for(session, [comment_id for comment_id, _ in decided])
    for comment_id, label in decided:
        sample = found.get(comment_id)
        if sample is not None:
            samples.append(sample)
            hidden.append(bool(label))
    return TrainingSet(samples, hidden, ranker.decisions, state.learned_from)


def install_batch(
    session: Session, batch: BatchModel | None, *, decisions: int, learned_from: int = 0
) -> Ranker | None:
    """Put a batch model fit outside the write (see :func:`training_set`) into the stored
    ranker, which scores with it from now on (None: with none, until a fit on enough
    decisions); ``decisions``: those the ranker held when the training set was read (what
    the next refit counts from). Locks the ranker. Nothing is put in (None returned) if the
    ranker started over meanwhile (``learned_from`` differs): the fit is of another model."""
    ranker, state = load(session, for_update=True)
    if state is None or state.learned_from != learned_from:
        return None
    ranker.install(batch, at=decisions)
    save_in_place(session, ranker, state)
    return ranker


def _reverted(session: Session, seqs: Iterable[int | None]) -> dict[int, str]:
    """Of these entries, those a person made that taught the ranker: their actions."""
    found: dict[int, str] = {}
    for chunk in chunked(sorted({seq for seq in seqs if seq is not None})):
        rows = session.execute(
            select(LogEntryRow.seq, LogEntryRow.action).where(
                LogEntryRow.seq.in_(chunk),
                LogEntryRow.action.in_(list(LABELS)),
                LogEntryRow.actor != SYSTEM,
            )
        )
        found.update((seq, action) for seq, action in rows)
    return found


def read_labelled_csv(path: Path) -> list[tuple[str, bool]]:
    """The (text, hide) pairs of a CSV with columns ``text`` and ``label`` (1: should be
    hidden, 0: fine). ``CsvError`` lists every fault by FILE:LINE; nothing is returned then."""
    shown = path_text(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise CsvError(f"{shown}: cannot read: {error.strerror or error}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CsvError(f"{shown}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    lines = _CountedLines(io.StringIO(text, newline=""))
    # Strict: a quote never closed, or text after a closing quote, is refused; the lenient
    # reader ran on to a later quote and merged the rows between into one text.
    reader = csv.reader(lines, strict=True)
    try:
        header = next(reader, [])
    except csv.Error as error:
        raise CsvError(_csv_fault(shown, error, lines)) from None
    # As csv.DictReader: a column named twice is read from its last place.
    column = {name: number for number, name in enumerate(header)}
    if not {"text", "label"} <= column.keys():
        missing = ", ".join(sorted({"text", "label"} - column.keys()))
        raise CsvError(f"{shown}:1: the header lacks the column(s) {missing} (needs text, label)")
    pairs, faults = _labelled_rows(shown, reader, lines, column)
    if faults:
        listed = faults[:20]
        if len(faults) > len(listed):
            listed.append(f"... and {len(faults) - len(listed)} more")
        raise CsvError("nothing was learnt from the file:\n" + "\n".join(listed))
    if not pairs:
        raise CsvError(f"{shown}: no labelled comments in it")
    return pairs


def _labelled_rows(
    shown: str, reader: Iterator[list[str]], lines: _CountedLines, column: dict[str, int]
) -> tuple[list[tuple[str, bool]], list[str]]:
    """The (text, hide) pairs of the rows after the header, and the faults found in them."""
    faults: list[str] = []
    pairs: list[tuple[str, bool]] = []
    while True:
        lines.start_row()
        try:
            row = next(reader, None)
        except csv.Error as error:
            faults.append(_csv_fault(shown, error, lines))
            break
        if row is None:
            break
        if not row:
            continue
        line = lines.first
        label = row[column["label"]].strip() if column["label"] < len(row) else ""
        body = row[column["text"]] if column["text"] < len(row) else ""
        if label not in {"0", "1"}:
            faults.append(f"{shown}:{line}: label must be 1 (hide) or 0 (fine), not {label!r}")
        elif not body.strip():
            faults.append(f"{shown}:{line}: the text is empty")
        else:
            pairs.append((body, label == "1"))
    return pairs, faults


class _CountedLines:
    """The lines a CSV reader takes, numbered, with those of the row being read kept."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self.taken = 0
        self.first = 1
        self.row: list[str] = []

    def __iter__(self) -> _CountedLines:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.taken += 1
        self.row.append(line)
        return line

    def start_row(self) -> None:
        self.first = self.taken + 1
        self.row.clear()


def _csv_fault(shown: str, error: csv.Error, lines: _CountedLines) -> str:
    """A CSV reader's error in plain words, at the line where what it concerns begins."""
    said = str(error)
    if "field larger than field limit" in said:
        return (
            f"{shown}:{lines.first}: a field of the row starting here is longer than"
            f" {csv.field_size_limit():,} characters (or a quote opened in it is never closed)"
        )
    if said == "unexpected end of data":
        return f"{shown}:{_open_quote_line(lines)}: a quote opened here is never closed"
    if "expected after" in said:
        return (
            f"{shown}:{_open_quote_line(lines)}: the quoted field opened here is followed by"
            f" more text after its closing quote on line {lines.taken} (a quote inside a"
            ' quoted field is written twice: "")'
        )
    return f"{shown}:{lines.first}: not CSV: {said}"


def _open_quote_line(lines: _CountedLines) -> int:
    """The line of the last quote that opened a field in the row read so far."""
    opened = lines.first
    # A quote opens a field only at its start; in a quoted field, two quotes are one.
    state = "start"
    for number, line in enumerate(lines.row, lines.first):
        for char in line:
            if state == "closing" and char not in '",\r\n':
                return opened  # text after a closing quote: where the reader stopped
            if state in {"quoted", "closing"} and char == '"':
                state = "closing" if state == "quoted" else "quoted"
            elif state == "quoted":
                continue
            elif char in ",\r\n":
                state = "start"
            elif state == "start" and char == '"':
                state, opened = "quoted", number
            else:
                state = "field"
    return opened


@dataclass(frozen=True)
class Pretrained:
    """The stored ranker as of ``revision`` (None: none stored), taught a labelled file
    outside any write: storing it then takes a moment, not the whole training."""

    ranker: Ranker
    revision: int | None


def pretrain(session: Session, pairs: Sequence[tuple[str, bool]]) -> Pretrained:
    """Teach a copy of the stored ranker the labelled comments (reading only)."""
    ranker, state = load(session)
    for body, hide in pairs:
        ranker.learn(Sample(body), hidden=hide)
    return Pretrained(ranker, None if state is None else state.revision)


def train_from_pairs(
    session: Session,
    pairs: Sequence[tuple[str, bool]],
    *,
    actor: Profile,
    source: str,
    pretrained: Pretrained | None = None,
) -> int:
    """Seed the ranker with labelled comments (an editor's step: ``RoleError`` otherwise),
    logged; how many it learnt. With ``pretrained`` (see :func:`pretrain`) the training is
    done already, unless another desk saved the ranker since: then it is done again here."""
    acting = Actor.of(actor)
    require_editor(acting, "training the ranker")
    ranker, state = load(session, for_update=True)
    if pretrained is not None and pretrained.revision == (
        None if state is None else state.revision
    ):
        ranker = pretrained.ranker
    else:
        for body, hide in pairs:
            ranker.learn(Sample(body), hidden=hide)
    save_in_place(session, ranker, state)
    if pairs:
        session.execute(
            insert(RankerSeed), [{"body": body, "hidden": hide} for body, hide in pairs]
        )
    hidden = sum(hide for _, hide in pairs)
    append(
        session,
        acting,
        [
            NewEntry(
                TRAINED,
                note=f"{len(pairs):,} labelled comments from {source}"
                f" ({hidden:,} to hide, {len(pairs) - hidden:,} fine)",
            )
        ],
    )
    return len(pairs)


def reset(session: Session, *, actor: Profile) -> None:
    """Start over: no model, no comment scored (editors; logged). The decisions logged so
    far are learnt again only from those made after this."""
    acting = Actor.of(actor)
    require_editor(acting, "resetting the ranker")
    lock_log(session)
    head = session.scalar(select(func.max(LogEntryRow.seq))) or 0
    session.execute(delete(RankerState))
    session.execute(delete(RankerSeed))
    session.execute(
        update(Comment).where(Comment.hide_rank != UNSCORED).values(hide_rank=UNSCORED),
        execution_options={"synchronize_session": False},
    )
    (seq,) = append(session, acting, [NewEntry(RESET, note="the ranker starts over")])
    save(session, Ranker(), max(head, seq), None, learned_from=max(head, seq))


def score_pending(
    session: Session,
    *,
    after_id: int = 0,
    page: int = SCORE_PAGE,
    unscored_only: bool = False,
    ranker: Ranker | None = None,
) -> tuple[int, int] | None:
    """Score a page of pending comments (ids after ``after_id``) with ``ranker`` (the stored
    one if not given: pass it when placing page after page) and keep their places: the last
    id and how many were scored, None when no pending comment is left. A ranker not ready
    scores nothing (the queue then orders by severity)."""
    if ranker is None:
        ranker = load(session)[0]
    if not ranker.readiness.ready:
        return None
    query = select(Comment.id).where(Comment.status == Status.PENDING, Comment.id > after_id)
    if unscored_only:
        query = query.where(Comment.hide_rank == UNSCORED)
    ids = list(session.scalars(query.order_by(Comment.id).limit(page)))
    if not ids:
        return None
    samples = samples_for(session, ids)
    ordered = [comment_id for comment_id in ids if comment_id in samples]
    scores = ranker.score_many([samples[comment_id] for comment_id in ordered])
    session.execute(
        update(Comment),
        [
            {"id": comment_id, "hide_rank": rank_of(float(score))}
            for comment_id, score in zip(ordered, scores, strict=True)
        ],
    )
    return ids[-1], len(ordered)


def any_placed(session: Session) -> bool:
    """Whether any pending comment has a score (a read: whether :func:`unplace_pending` has
    anything to do, before a write is begun for it)."""
    scored = Comment.status == Status.PENDING, Comment.hide_rank < UNSCORED
    return session.scalar(select(Comment.id).where(*scored).limit(1)) is not None


def unplace_pending(session: Session) -> int:
    """Take every pending comment's score away (the ranker is not ready: after an undo took
    it back below the mark); how many had one."""
    result = session.execute(
        update(Comment)
        .where(Comment.status == Status.PENDING, Comment.hide_rank < UNSCORED)
        .values(hide_rank=UNSCORED),
        execution_options={"synchronize_session": False},
    )
    return int(getattr(result, "rowcount", 0) or 0)


def rank_of(score: float) -> int:
    """A score's place: 0 for certain to be hidden, 9999 for certain to be fine."""
    return min(UNSCORED - 1, max(0, round((1.0 - score) * UNSCORED)))


def explain(session: Session, comment_id: int) -> tuple[float, list[Reason]] | None:
    """The stored ranker's score for a comment and what pushed it up (words, word pairs,
    rule hits); None while the ranker is not ready."""
    ranker, state = load(session)
    if state is None or not ranker.readiness.ready:
        return None
    sample = samples_for(session, [comment_id]).get(comment_id)
    if sample is None:
        raise NotFoundError(f"no comment with id {comment_id}")
    return ranker.score(sample), ranker.explain(sample)


def hide_scorer(session: Session, history: AuthorHistory) -> HideScorer | None:
    """The stored ranker as rules consult it (the ``ranker`` kind): a comment's text and its
    author's record, scored; None while it is not ready. The other rules' hits, which
    the ranker also learns from, are not known while rules run: a score here can be a little
    lower than the queue's."""
    ranker, state = load(session)
    if state is None or not ranker.readiness.ready:
        return None

    def score(comment: CommentSnapshot) -> float | None:
        hidden, approved = history.decisions(comment.author) if comment.author else (0, 0)
        extras = [*(["author:hidden-before"] if hidden else [])]
        extras += ["author:published-before"] if approved else []
        return ranker.score(Sample(comment.body, tuple(extras)))

    return score
