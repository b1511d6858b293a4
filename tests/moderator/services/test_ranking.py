"""The desk's ranker in the database: learnt from the log's decisions (and undos), seeded
from a labelled CSV, reset, placing pending comments in the "likely to hide" order.
Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from moderator.domain import Role, Status
from moderator.log.queries import LogFilter, stream_entries
from moderator.queries.queue import QueueFilter, QueueOrder, list_queue
from moderator.ranking import refit
from moderator.ranking.features import Sample
from moderator.ranking.model import READY_DECISIONS, Readiness
from moderator.rules.model import RuleSet
from moderator.rules.ranker_rule import RankerRule
from moderator.runs import ranking as rank_runs
from moderator.services import moderation, ranking
from moderator.services.flagging import flag_comments
from moderator.services.history import Actor
from moderator.services.roles import RoleError
from moderator.store.database import Database
from moderator.store.models import UNSCORED, Comment, RankerSeed, RankerState
from tests.conftest import add_comments

RUDE = "you are an idiot and a liar"
POLITE = "thanks for the careful reporting"
# Decided by the desk in ``decide``: enough for the ranker to be ready (35 hides, 35 kept).
DECIDED = 70


def set_bodies(database: Database, bodies: dict[int, str]) -> None:
    with database.transaction() as session:
        for comment_id, body in bodies.items():
            session.execute(update(Comment).where(Comment.id == comment_id).values(body=body))


@pytest.fixture
def ids(database: Database) -> list[int]:
    made = add_comments(database, DECIDED + 10)
    # Half rude, half polite, alternating: the desk hides the rude ones.
    bodies = {c: f"{RUDE} {n}" if n % 2 else f"{POLITE} {n}" for n, c in enumerate(made)}
    set_bodies(database, bodies)
    with database.transaction() as session:
        moderation.ensure_profile(session, "ed", role=Role.EDITOR)
    return made


def decide(database: Database, ids: list[int]) -> None:
    """The first DECIDED decided by their text: rude hidden, polite approved."""
    with database.transaction() as session:
        ann = moderation.ensure_profile(session, "ann")
        rude = [c for n, c in enumerate(ids[:DECIDED]) if n % 2]
        polite = [c for n, c in enumerate(ids[:DECIDED]) if not n % 2]
        moderation.hide(session, rude, actor=ann, reason="abuse")
        moderation.approve(session, polite, actor=ann)


def learn_and_place(database: Database, ids: list[int]) -> None:
    """The first DECIDED decided and learnt, the pending ones placed."""
    decide(database, ids)
    learn(database)
    with database.transaction() as session:
        ranking.score_pending(session)


def learn(database: Database) -> ranking.LearnReport:
    """Learn the decisions logged since, and refit the batch model if that is due (as
    ``moderator rank learn`` and the window do)."""
    with database.transaction() as session:
        report = ranking.learn_from_log(session)
    rank_runs.refit_now(database)
    return report


def test_it_learns_the_desks_decisions_once_and_places_the_pending_ones(
    database: Database, ids: list[int]
) -> None:
    decide(database, ids)
    report = learn(database)
    assert (report.learned, report.forgotten, report.decisions, report.more) == (
        DECIDED,
        0,
        DECIDED,
        False,
    )
    # Learnt already: nothing more until the next decision.
    again = learn(database)
    assert (again.learned, again.decisions, again.learned_upto) == (0, DECIDED, report.learned_upto)

    with database.transaction() as session:
        page = ranking.score_pending(session)
    assert page == (ids[-1], 10)
    with database.session() as session:
        queue = list_queue(session, QueueFilter(status=Status.PENDING, order=QueueOrder.LIKELY))
        found = ranking.status(session)
    # The rude pending comments first, each with its score.
    first, last = queue[:5], queue[5:]
    assert all(row.body.startswith(RUDE) for row in first)
    assert all(row.body.startswith(POLITE) for row in last)
    assert all(row.score is not None and row.score > 0.5 for row in first)
    assert all(row.score is not None and row.score < 0.5 for row in last)
    assert (found.decisions, found.scored_pending, found.pending) == (DECIDED, 10, 10)


def test_the_rules_own_hides_teach_nothing_and_undone_decisions_are_forgotten(
    database: Database, ids: list[int]
) -> None:
    with database.transaction() as session:
        ann = moderation.ensure_profile(session, "ann")
        moderation.hide_each(session, {ids[1]: "rule"}, actor=Actor.rules("v1"), reason="spam")
        hidden = moderation.hide(session, [ids[3]], actor=ann, reason="abuse")
        moderation.approve(session, [ids[0]], actor=ann)
    first = learn(database)
    assert (first.learned, first.decisions) == (2, 2)
    with database.transaction() as session:
        moderation.undo(session, hidden, actor=moderation.ensure_profile(session, "ann"))
    second = learn(database)
    assert (second.learned, second.forgotten, second.decisions) == (0, 1, 1)


def test_the_model_travels_with_the_database(
    database: Database, other_desk: Database, ids: list[int]
) -> None:
    decide(database, ids)
    learn(database)
    with other_desk.session() as session:
        model, state = ranking.load(session)
    assert state is not None
    # Saved twice: once learnt, once its batch model fit.
    assert (model.decisions, state.revision) == (DECIDED, 2)
    assert model.batch is not None
    with database.session() as session:
        mine, _ = ranking.load(session)
    rude = Sample(RUDE)
    assert model.score(rude) == mine.score(rude) > 0.5


def test_a_labelled_csv_seeds_it_for_an_editor_and_is_logged(
    database: Database, ids: list[int], tmp_path: Path
) -> None:
    path = tmp_path / "labels.csv"
    path.write_text(
        "text,label\n" + "".join(f'"{RUDE} {n}",1\n"{POLITE} {n}",0\n' for n in range(20)),
        encoding="utf-8",
    )
    pairs = ranking.read_labelled_csv(path)
    assert len(pairs) == 40
    with pytest.raises(RoleError), database.transaction() as session:
        ranking.train_from_pairs(
            session, pairs, actor=moderation.ensure_profile(session, "ann"), source=str(path)
        )
    with database.transaction() as session:
        ed = moderation.ensure_profile(session, "ed")
        assert ranking.train_from_pairs(session, pairs, actor=ed, source=str(path)) == 40
    with database.session() as session:
        (entry,) = stream_entries(session, LogFilter(action=ranking.TRAINED))
        model, _ = ranking.load(session)
    assert entry.note == f"40 labelled comments from {path} (20 to hide, 20 fine)"
    assert model.score(Sample(RUDE)) > 0.5 > model.score(Sample(POLITE))


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ("words,label\nhi,1\n", "labels.csv:1: the header lacks the column(s) text"),
        (
            "text,label\nhi,1\nthere,yes\nok,\n",
            "labels.csv:3: label must be 1 (hide) or 0 (fine), not 'yes'\n"
            "{path}:4: label must be 1 (hide) or 0 (fine), not ''",
        ),
        ("text,label\n  ,1\n", "labels.csv:2: the text is empty"),
        ("text,label\n", "labels.csv: no labelled comments in it"),
        # A quote never closed ran to the end and lost the label of its row: line 5 was
        # blamed for an empty label.
        (
            'text,label\nfine,0\n"unterminated,1\nnext,0\nlast,1\n',
            "labels.csv:3: a quote opened here is never closed",
        ),
        # One closed rows later merged them into one text, learnt with the last row's label.
        (
            'text,label\n"a,1\nb,0\n"c",1\n',
            "labels.csv:2: the quoted field opened here is followed by more text after its"
            " closing quote on line 4",
        ),
        # Over the csv module's field limit: the line before was blamed.
        (
            "text,label\nok,0\n" + "x" * 140_000 + ",1\n",
            "labels.csv:3: a field of the row starting here is longer than 131,072 characters",
        ),
        # A row of several lines is named by the line it starts on.
        ('text,label\nok,0\n"two\nlines",maybe\n', "labels.csv:3: label must be 1 (hide)"),
    ],
)
def test_a_bad_csv_is_refused_whole_naming_the_line(
    tmp_path: Path, content: str, said: str
) -> None:
    path = tmp_path / "labels.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ranking.CsvError) as refused:
        ranking.read_labelled_csv(path)
    assert said.format(path=path) in str(refused.value)


def test_reset_starts_over_and_learns_only_what_comes_after(
    database: Database, ids: list[int]
) -> None:
    learn_and_place(database, ids)
    with database.transaction() as session:
        ranking.reset(session, actor=moderation.ensure_profile(session, "ed"))
    with database.session() as session:
        found = ranking.status(session)
        ranks = set(session.scalars(select(Comment.hide_rank)))
    assert (found.decisions, found.scored_pending) == (0, 0)
    assert ranks == {UNSCORED}
    assert learn(database).learned == 0
    with database.transaction() as session:
        moderation.hide(
            session,
            [ids[DECIDED + 1]],
            actor=moderation.ensure_profile(session, "ann"),
            reason="abuse",
        )
    assert learn(database).decisions == 1


def test_a_damaged_stored_model_is_named_not_guessed_past(
    database: Database, ids: list[int]
) -> None:
    decide(database, ids)
    learn(database)
    with database.transaction() as session:
        session.execute(update(RankerState).values(model=b"garbage"))
    refused = pytest.raises(ranking.StoredRankerError, match="rank reset` starts over")
    with refused, database.transaction() as session:
        ranking.learn_from_log(session)


def test_the_ranker_rule_flags_what_the_ranker_finds_likely(
    database: Database, ids: list[int]
) -> None:
    decide(database, ids)
    learn(database)
    rule_set = RuleSet("t", (RankerRule(id="ranker", threshold=0.6),), "v-ranker")
    with database.transaction() as session:
        change = flag_comments(session, rule_set, ids[DECIDED:])
    assert change is not None
    with database.session() as session:
        rows = list_queue(session, QueueFilter(status=Status.PENDING, flagged=True))
    assert rows
    assert all(row.body.startswith(RUDE) for row in rows)
    assert {flag.rule_id for row in rows for flag in row.flags} == {"ranker"}


def test_a_decision_is_never_learnt_from_its_own_outcome(database: Database) -> None:
    # Two comments by one author: the first's own status must not tell on it.
    first, second = add_comments(database, 2, title="solo")
    with database.transaction() as session:
        author = session.scalar(select(Comment.author_id).where(Comment.id == first))
        session.execute(update(Comment).where(Comment.id == second).values(author_id=author))
        moderation.hide(
            session, [first], actor=moderation.ensure_profile(session, "ann"), reason="spam"
        )
    with database.session() as session:
        samples = ranking.samples_for(session, [first, second])
    assert "author:hidden-before" not in samples[first].extras
    assert "author:hidden-before" in samples[second].extras


def test_each_comment_holds_its_latest_decision_only(database: Database, ids: list[int]) -> None:
    with database.transaction() as session:
        ann = moderation.ensure_profile(session, "ann")
        moderation.hide(session, [ids[1]], actor=ann, reason="abuse")
    assert learn(database).decisions == 1
    rude = Sample(f"{RUDE} 1")
    with database.session() as session:
        after_hide = ranking.load(session)[0].score(rude)
    # An editor publishes it after all: the hide is taken back, the approval learnt.
    with database.transaction() as session:
        moderation.approve(session, [ids[1]], actor=moderation.ensure_profile(session, "ed"))
    report = learn(database)
    assert (report.learned, report.forgotten, report.decisions) == (1, 1, 1)
    with database.session() as session:
        assert ranking.load(session)[0].score(rude) < 0.5 < after_hide


def test_after_a_reset_an_undo_of_an_older_decision_takes_nothing_back(
    database: Database, ids: list[int]
) -> None:
    with database.transaction() as session:
        ann = moderation.ensure_profile(session, "ann")
        hidden = moderation.hide(session, [ids[1]], actor=ann, reason="abuse")
    learn(database)
    with database.transaction() as session:
        ranking.reset(session, actor=moderation.ensure_profile(session, "ed"))
    with database.transaction() as session:
        moderation.undo(session, hidden, actor=moderation.ensure_profile(session, "ann"))
    report = learn(database)
    assert (report.learned, report.forgotten, report.decisions) == (0, 0, 0)


def test_new_comments_are_placed_by_the_ranker_as_it_stands(
    database: Database, ids: list[int]
) -> None:
    learn_and_place(database, ids)
    late = add_comments(database, 2, title="late")
    with database.transaction() as session:
        page = ranking.score_pending(session, unscored_only=True)
    assert page == (late[-1], 2)
    with database.session() as session:
        pending = select(Comment.hide_rank).where(Comment.status == Status.PENDING)
        assert all(rank < UNSCORED for rank in session.scalars(pending))


def test_training_taught_beforehand_is_stored_or_done_again_if_the_ranker_moved_on(
    database: Database, ids: list[int]
) -> None:
    pairs = [(f"{RUDE} {n}", True) for n in range(10)] + [
        (f"{POLITE} {n}", False) for n in range(10)
    ]
    with database.session() as session:
        early = ranking.pretrain(session, pairs)
    # Another desk learns meanwhile: the copy taught above is stale.
    decide(database, ids)
    learn(database)
    with database.transaction() as session:
        ed = moderation.ensure_profile(session, "ed")
        ranking.train_from_pairs(session, pairs, actor=ed, source="x.csv", pretrained=early)
    with database.session() as session:
        assert ranking.load(session)[0].decisions == DECIDED + 20
        fresh = ranking.pretrain(session, pairs)
    with database.transaction() as session:
        ed = moderation.ensure_profile(session, "ed")
        ranking.train_from_pairs(session, pairs, actor=ed, source="x.csv", pretrained=fresh)
    with database.session() as session:
        stored = ranking.load(session)[0]
    assert stored.decisions == DECIDED + 40
    assert stored.score(Sample(RUDE)) == fresh.ranker.score(Sample(RUDE))


def decide_some(
    database: Database, ids: list[int], upto: int, first: int = 0
) -> moderation.ModerationChange:
    """Those from ``first`` up to ``upto`` decided by their text; the hide, to undo."""
    with database.transaction() as session:
        ann = moderation.ensure_profile(session, "ann")
        rude = [c for n, c in enumerate(ids[:upto]) if n % 2 and n >= first]
        polite = [c for n, c in enumerate(ids[:upto]) if not n % 2 and n >= first]
        moderation.approve(session, polite, actor=ann)
        return moderation.hide(session, rude, actor=ann, reason="abuse")


def test_until_it_is_ready_nothing_is_scored_explained_or_flagged(
    database: Database, ids: list[int]
) -> None:
    decide_some(database, ids, READY_DECISIONS - 2)
    learn(database)
    with database.session() as session:
        assert ranking.readiness(session) == Readiness(
            READY_DECISIONS - 2, (READY_DECISIONS - 2) // 2
        )
        assert ranking.status(session).readiness == ranking.readiness(session)
        assert ranking.explain(session, ids[-1]) is None
    with database.transaction() as session:
        assert ranking.score_pending(session) is None
        rule_set = RuleSet("t", (RankerRule(id="ranker", threshold=0.0),), "v-ranker")
        change = flag_comments(session, rule_set, ids[READY_DECISIONS:])
        assert change is not None
        assert change.hits == 0
    with database.session() as session:
        # The likely order is the rules' (here: by time), as before anything was learnt.
        queue = list_queue(session, QueueFilter(status=Status.PENDING, order=QueueOrder.LIKELY))
    assert [row.id for row in queue] == ids[READY_DECISIONS - 2 :]
    assert all(row.score is None for row in queue)

    decide_some(database, ids, READY_DECISIONS + 2, first=READY_DECISIONS - 2)
    learn(database)
    with database.transaction() as session:
        assert ranking.readiness(session).ready
        assert ranking.score_pending(session) is not None
        assert ranking.explain(session, ids[-1]) is not None


def test_an_undo_that_takes_it_below_ready_takes_the_scores_away(
    database: Database, ids: list[int]
) -> None:
    hidden = decide_some(database, ids, READY_DECISIONS + 2)
    learnt = rank_runs.learn_and_place(database)
    assert learnt.placed.readiness.ready
    assert (learnt.placed.count, learnt.placed.cleared) == (len(ids) - READY_DECISIONS - 2, 0)
    with database.transaction() as session:
        moderation.undo(session, hidden, actor=moderation.ensure_profile(session, "ann"))
    learnt = rank_runs.learn_and_place(database)
    assert not learnt.placed.readiness.ready
    assert learnt.placed.count == 0
    # The pending ones, and the hidden ones put back: none has a score any more.
    assert learnt.placed.cleared == len(ids) - READY_DECISIONS - 2
    assert learnt.placed.changed
    with database.session() as session:
        assert ranking.status(session).scored_pending == 0
    assert not rank_runs.learn_and_place(database).placed.changed


def test_quoted_texts_of_several_lines_and_inner_quotes_read_as_written(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text(
        'label,text\r\n1,"He said ""hi"""\r\n\r\n0,"two\r\nlines"\r\n1,he said "x"\r\n',
        encoding="utf-8",
        newline="",
    )
    assert ranking.read_labelled_csv(path) == [
        ('He said "hi"', True),
        ("two\r\nlines", False),
        ('he said "x"', True),
    ]


def test_the_batch_model_is_fit_on_seeds_and_each_comments_latest_decision(
    database: Database, ids: list[int]
) -> None:
    """Labelled comments of `rank train` are kept (they are nowhere else), then each decided
    comment once, with its latest decision by a person; an undone one is left out."""
    pairs = [(f"{RUDE} seed {n}", True) for n in range(5)] + [(f"{POLITE} seed", False)]
    with database.transaction() as session:
        ed = moderation.ensure_profile(session, "ed")
        ranking.train_from_pairs(session, pairs, actor=ed, source="x.csv")
    decide(database, ids)
    with database.transaction() as session:
        ann = moderation.ensure_profile(session, "ann")
        # Published after all (an editor overturns the hide), then one hide undone.
        moderation.approve(session, [ids[1]], actor=moderation.ensure_profile(session, "ed"))
        undone = moderation.hide(session, [ids[DECIDED]], actor=ann, reason="abuse")
        moderation.undo(session, undone, actor=ann)
    with database.transaction() as session:
        ranking.learn_from_log(session)
    with database.session() as session:
        found = ranking.training_set(session)
    assert found is not None
    assert [sample.text for sample in found.samples[:6]] == [body for body, _ in pairs]
    assert found.hidden[:6] == [True] * 5 + [False]
    by_text = dict(zip([s.text for s in found.samples[6:]], found.hidden[6:], strict=True))
    assert len(by_text) == DECIDED
    bodies = dict(zip(ids, sorted_bodies(database, ids), strict=True))
    assert by_text[bodies[ids[1]]] is False  # its latest decision
    assert bodies[ids[DECIDED]] not in by_text  # undone
    assert by_text[bodies[ids[3]]] is True
    # A decision replaced or undone is taken back from the count as from the model.
    assert found.decisions == DECIDED + len(pairs) == len(found.samples)


def sorted_bodies(database: Database, ids: list[int]) -> list[str]:
    with database.session() as session:
        rows = session.execute(select(Comment.id, Comment.body).where(Comment.id.in_(ids)))
        found = {row.id: row.body for row in rows}
    return [found[c] for c in ids]


def test_a_round_refits_when_due_and_places_anew(database: Database, ids: list[int]) -> None:
    decide(database, ids)
    first = rank_runs.learn_and_place(database)
    assert first.refitted
    assert first.placed.readiness.ready
    assert first.placed.count == len(ids) - DECIDED
    # Nothing new: no refit, nothing placed again.
    again = rank_runs.learn_and_place(database)
    assert (again.learned, again.refitted, again.placed.count) == (0, False, 0)
    # A few decisions: learnt, not due yet; the scores stay as they are.
    with database.transaction() as session:
        moderation.approve(session, [ids[DECIDED]], actor=moderation.ensure_profile(session, "ann"))
    few = rank_runs.learn_and_place(database)
    assert (few.learned, few.refitted, few.placed.count) == (1, False, 0)
    with database.session() as session:
        assert ranking.load(session)[0].batch is not None


def test_a_reset_forgets_the_seeds_too(database: Database, ids: list[int]) -> None:
    with database.transaction() as session:
        ed = moderation.ensure_profile(session, "ed")
        ranking.train_from_pairs(session, [(RUDE, True), (POLITE, False)], actor=ed, source="x")
        ranking.reset(session, actor=ed)
    with database.session() as session:
        found = ranking.training_set(session)
    assert found is not None
    assert found.samples == []


def test_a_ranker_seeded_before_its_seeds_were_kept_waits_for_decisions_of_its_own(
    database: Database, ids: list[int]
) -> None:
    """Its count says thousands, but it cannot refit from them: a fit on the three decisions
    logged since made it "ready" with noise for scores. It stays calibrating until enough
    decisions of its own are logged."""
    pairs = [(f"{RUDE} {n}", True) for n in range(40)] + [
        (f"{POLITE} {n}", False) for n in range(40)
    ]
    with database.transaction() as session:
        ed = moderation.ensure_profile(session, "ed")
        ranking.train_from_pairs(session, pairs, actor=ed, source="old.csv")
        session.execute(delete(RankerSeed))  # as a database from before migration 0016
    decide_some(database, ids, 3)
    learnt = rank_runs.learn_and_place(database)
    assert not learnt.refitted
    assert learnt.placed.count == 0
    with database.session() as session:
        ranker = ranking.load(session)[0]
        assert ranker.batch is None
        assert ranking.readiness(session).text == f"calibrating ({len(pairs) + 3} decisions)"
    # Not tried again on every round: only once a few more decisions came.
    assert not ranker.refit_due
    decide_some(database, ids, DECIDED, first=3)
    assert rank_runs.learn_and_place(database).refitted


def test_a_fit_read_before_a_reset_is_not_put_into_the_new_ranker(
    database: Database, ids: list[int]
) -> None:
    decide(database, ids)
    learn(database)
    with database.session() as session:
        found = ranking.training_set(session)
    assert found is not None
    with database.transaction() as session:
        ranking.reset(session, actor=moderation.ensure_profile(session, "ed"))
    batch = refit.fit(found.samples, found.hidden)
    with database.transaction() as session:
        assert (
            ranking.install_batch(
                session, batch, decisions=found.decisions, learned_from=found.learned_from
            )
            is None
        )
    with database.session() as session:
        assert ranking.load(session)[0].batch is None
