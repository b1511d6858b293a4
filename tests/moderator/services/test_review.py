"""Editors: roles enforced in the core, escalations resolved, articles locked, notes kept, and
the troubled threads ranked and read as reply trees."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from moderator.domain import ActionKind, Outcome, ReasonCode, Role, Status
from moderator.domain.errors import MissingInputError, TransitionError
from moderator.log.queries import LogFilter, stream_entries
from moderator.log.verify import verify_log
from moderator.queries.review import TroubledThread, ranked, reply_tree, thread, troubled_threads
from moderator.queries.snapshots import CommentRow, author_notes, comment_notes
from moderator.rules.model import RuleSet
from moderator.services import moderation
from moderator.services.flagging import store_hits
from moderator.services.history import Actor
from moderator.services.notes import note_author, note_comment
from moderator.services.review import resolve, set_locked
from moderator.services.roles import LockedError, RoleError
from moderator.services.rulesets import choose_rule_set
from moderator.store.database import Database
from moderator.store.models import Comment, Profile
from tests.conftest import add_comments

T0 = datetime(2025, 2, 3, 8, 0, tzinfo=UTC)


def add_article(database: Database, title: str, count: int) -> list[int]:
    return add_comments(database, count, title=title)


@pytest.fixture
def ids(database: Database) -> list[int]:
    return add_article(database, "T", 4)


def profiles(session: Session) -> tuple[Profile, Profile]:
    """(moderator "mo", editor "ed")."""
    editor = moderation.ensure_profile(session, "ed", role=Role.EDITOR)
    return moderation.ensure_profile(session, "mo"), editor


def status(database: Database, comment_id: int) -> tuple[Status, bool]:
    with database.session() as session:
        comment = session.get(Comment, comment_id)
        assert comment is not None
        return comment.status, comment.escalated


# --- roles -----------------------------------------------------------------------------------

EditorOnly = Callable[[Session, list[int], Profile, Profile], object]


def _overturn_hidden(session: Session, ids: list[int], mo: Profile, ed: Profile) -> object:
    moderation.hide(session, [ids[0]], actor=ed, reason="spam")
    return moderation.approve(session, [ids[0]], actor=mo)


def _overturn_published(session: Session, ids: list[int], mo: Profile, ed: Profile) -> object:
    moderation.approve(session, [ids[0]], actor=mo)
    return moderation.hide(session, [ids[0]], actor=mo, reason="spam")


def _decide_escalated(session: Session, ids: list[int], mo: Profile, ed: Profile) -> object:
    moderation.escalate(session, [ids[0]], actor=mo)
    return moderation.approve(session, [ids[0]], actor=mo)


def _restore_escalated(session: Session, ids: list[int], mo: Profile, ed: Profile) -> object:
    moderation.approve(session, [ids[0]], actor=mo)
    moderation.escalate(session, [ids[0]], actor=mo)
    return moderation.restore(session, [ids[0]], actor=mo)


def _undo_someone_elses(session: Session, ids: list[int], mo: Profile, ed: Profile) -> object:
    change = moderation.approve(session, [ids[0]], actor=ed)
    return moderation.undo(session, change, actor=mo)


def _revert_someone_elses(session: Session, ids: list[int], mo: Profile, ed: Profile) -> object:
    change = moderation.approve(session, [ids[0]], actor=ed)
    return moderation.revert(session, change.comments[0].entry_seq, actor=mo)


def _resolve(outcome: Outcome) -> EditorOnly:
    def run(session: Session, ids: list[int], mo: Profile, ed: Profile) -> object:
        moderation.escalate(session, [ids[0]], actor=mo)
        return resolve(session, [ids[0]], actor=mo, outcome=outcome, note="n", reason="spam")

    return run


def _restore_upheld(session: Session, ids: list[int], mo: Profile, ed: Profile) -> object:
    moderation.escalate(session, [ids[0]], actor=mo)
    resolve(session, [ids[0]], actor=ed, outcome="uphold", note="n", reason="spam")
    return moderation.restore(session, [ids[0]], actor=mo)


def _restore_someone_elses(session: Session, ids: list[int], mo: Profile, ed: Profile) -> object:
    # Step one of overturning mo2's hide in two (restore, then approve as a fresh decision).
    mo2 = moderation.ensure_profile(session, "mo2")
    moderation.hide(session, [ids[0]], actor=mo2, reason="spam")
    return moderation.restore(session, [ids[0]], actor=mo)


def _restore_the_rules_hide(session: Session, ids: list[int], mo: Profile, ed: Profile) -> object:
    moderation.hide_each(
        session, {ids[0]: "rule s"}, actor=Actor.rules("v1"), reason=ReasonCode.SPAM
    )
    return moderation.restore(session, [ids[0]], actor=mo)


def _demote_an_editor(session: Session, ids: list[int], mo: Profile, ed: Profile) -> object:
    return moderation.ensure_profile(session, "ed", role=Role.MODERATOR, granted_by="mo")


def _lock(session: Session, ids: list[int], mo: Profile, ed: Profile) -> object:
    article = session.get(Comment, ids[0])
    assert article is not None
    return set_locked(session, article.article_id, locked=True, actor=mo)


def _grant_editor(session: Session, ids: list[int], mo: Profile, ed: Profile) -> object:
    return moderation.ensure_profile(session, "new", role=Role.EDITOR, granted_by="mo")


def _choose_rules(session: Session, ids: list[int], mo: Profile, ed: Profile) -> object:
    return choose_rule_set(session, RuleSet(name="x", rules=(), version="v"), actor=mo)


EDITOR_ONLY: dict[str, tuple[EditorOnly, str]] = {
    "approve a hidden comment": (_overturn_hidden, "overturning the decision"),
    "hide a published comment": (_overturn_published, "overturning the decision"),
    "decide an escalated comment": (_decide_escalated, "deciding escalated comment"),
    "restore an escalated comment": (_restore_escalated, "deciding escalated comment"),
    "undo another's decision": (_undo_someone_elses, "putting back ed's decision"),
    "revert another's entry": (_revert_someone_elses, "putting back ed's decision"),
    "uphold": (_resolve(Outcome.UPHOLD), "resolving an escalation"),
    "overturn": (_resolve(Outcome.OVERTURN), "resolving an escalation"),
    "return": (_resolve(Outcome.RETURN), "resolving an escalation"),
    "restore what an editor upheld": (_restore_upheld, "changing an editor's decision"),
    "restore another's decision": (_restore_someone_elses, "changing mo2's decision"),
    "restore the rules' hide": (_restore_the_rules_hide, "changing system's decision"),
    "demote an editor": (_demote_an_editor, "making ed a moderator"),
    "lock an article": (_lock, "locking an article"),
    "make someone an editor": (_grant_editor, "making new an editor"),
    "change the rule set": (_choose_rules, "changing the rule set"),
}


@pytest.mark.parametrize("what", sorted(EDITOR_ONLY))
def test_every_editor_only_action_is_refused_to_a_moderator(
    database: Database, ids: list[int], what: str
) -> None:
    attempt, said = EDITOR_ONLY[what]
    with database.transaction() as session:
        mo, ed = profiles(session)
    with (
        pytest.raises(RoleError, match=f"{said}.* needs the editor role; mo is a moderator"),
        database.transaction() as session,
    ):
        attempt(session, ids, session.merge(mo), session.merge(ed))
    # Refused as a whole: the unit of work left nothing behind.
    assert status(database, ids[0]) == (Status.PENDING, False)
    with database.session() as session:
        assert verify_log(session).ok


def test_moderators_decide_pending_comments_and_send_decided_ones_back(
    database: Database, ids: list[int]
) -> None:
    with database.transaction() as session:
        mo, _ = profiles(session)
        moderation.approve(session, [ids[0]], actor=mo)
        moderation.hide(session, [ids[1]], actor=mo, reason="spam")
        moderation.restore(session, [ids[0], ids[1]], actor=mo)
        change = moderation.escalate(session, [ids[2]], actor=mo)
        moderation.undo(session, change, actor=mo)  # one's own decision
    assert [status(database, i) for i in ids[:3]] == [(Status.PENDING, False)] * 3


def test_a_moderator_cannot_overturn_another_in_two_steps(
    database: Database, ids: list[int]
) -> None:
    with database.transaction() as session:
        mo, _ = profiles(session)
        mo2 = moderation.ensure_profile(session, "mo2")
        moderation.hide(session, [ids[0]], actor=mo, reason="spam")
    with (
        pytest.raises(RoleError, match=r"changing mo's decision on comment \d+ .* mo2 is a"),
        database.transaction() as session,
    ):
        moderation.restore(session, [ids[0]], actor=session.merge(mo2))
    assert status(database, ids[0]) == (Status.HIDDEN, False)
    # An editor may; then the comment is pending, anyone's to decide.
    with database.transaction() as session:
        ed = moderation.ensure_profile(session, "ed")
        moderation.restore(session, [ids[0]], actor=ed)
        moderation.approve(session, [ids[0]], actor=session.merge(mo2))
    assert status(database, ids[0]) == (Status.APPROVED, False)


# --- escalations resolved --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "end"),
    [
        (Outcome.UPHOLD, Status.HIDDEN),
        (Outcome.OVERTURN, Status.APPROVED),
        (Outcome.RETURN, Status.PENDING),
    ],
)
def test_an_editor_resolves_an_escalation_naming_both(
    database: Database, ids: list[int], outcome: Outcome, end: Status
) -> None:
    with database.transaction() as session:
        mo, ed = profiles(session)
        moderation.escalate(session, [ids[0]], actor=mo, note="is this libel?")
        change = resolve(
            session, [ids[0]], actor=ed, outcome=outcome, note="read in context", reason="abuse"
        )
    assert change.action == ActionKind(str(outcome))
    assert status(database, ids[0]) == (end, False)
    with database.session() as session:
        entry = list(stream_entries(session, LogFilter(comment_id=ids[0])))[-1]
        assert verify_log(session).ok
    assert (entry.action, entry.actor, entry.role) == (str(outcome), "ed", "editor")
    assert entry.note == "read in context (escalated by mo)"
    assert entry.reason == ("abuse" if outcome is Outcome.UPHOLD else None)
    # An editor's decision is one step the editor can undo.
    with database.transaction() as session:
        moderation.undo(session, change, actor=session.merge(ed))
    assert status(database, ids[0]) == (Status.PENDING, True)


@pytest.mark.parametrize(
    "case",
    [
        (Outcome.UPHOLD, "", "spam", "needs a note"),
        (Outcome.UPHOLD, "why", None, "needs a reason"),
        (Outcome.UPHOLD, "why", "rude", "unknown reason"),
        (Outcome.RETURN, "  ", None, "needs a note"),
    ],
)
def test_resolving_needs_a_note_and_to_uphold_a_reason(
    database: Database, ids: list[int], case: tuple[Outcome, str, str | None, str]
) -> None:
    outcome, note, reason, said = case
    with database.transaction() as session:
        mo, _ = profiles(session)
        moderation.escalate(session, [ids[0]], actor=mo)
    with pytest.raises(MissingInputError, match=said), database.transaction() as session:
        ed = moderation.ensure_profile(session, "ed")
        resolve(session, [ids[0]], actor=ed, outcome=outcome, note=note, reason=reason)


def test_only_escalated_comments_are_resolved(database: Database, ids: list[int]) -> None:
    with pytest.raises(TransitionError, match="is not escalated"), database.transaction() as s:
        _, ed = profiles(s)
        resolve(s, [ids[0]], actor=ed, outcome="overturn", note="fine")


# --- locks -----------------------------------------------------------------------------------


def test_a_locked_article_takes_no_decision_until_unlocked(
    database: Database, ids: list[int]
) -> None:
    with database.session() as session:
        article_id = session.scalars(select(Comment.article_id)).first()
    assert article_id is not None
    with database.transaction() as session:
        mo, ed = profiles(session)
        assert set_locked(session, article_id, locked=True, actor=ed, note="legal hold")
        assert not set_locked(session, article_id, locked=True, actor=ed)  # already: no entry
    for attempt in (
        lambda s, mo: moderation.approve(s, [ids[0]], actor=mo),
        lambda s, mo: moderation.escalate(s, [ids[1]], actor=mo),
    ):
        with (
            pytest.raises(LockedError, match="is locked by an editor"),
            database.transaction() as s,
        ):
            attempt(s, s.merge(mo))
    # Editors too: a lock is for everyone until it is lifted.
    with pytest.raises(LockedError), database.transaction() as session:
        moderation.approve(session, [ids[0]], actor=session.merge(ed))
    with database.transaction() as session:
        set_locked(session, article_id, locked=False, actor=session.merge(ed))
        moderation.approve(session, [ids[0]], actor=session.merge(mo))
    with database.session() as session:
        actions = [e.action for e in stream_entries(session, LogFilter(article_id=article_id))]
        assert verify_log(session).ok
    assert actions[-3:] == ["lock", "unlock", "approve"]


# --- notes -----------------------------------------------------------------------------------


def test_notes_on_comments_and_authors_are_kept_and_logged(
    database: Database, ids: list[int]
) -> None:
    with database.transaction() as session:
        mo, _ = profiles(session)
        note_comment(session, ids[0], "  reads as sarcasm  ", actor=mo)
        note_comment(session, ids[0], "asked the author", actor=mo)
        note_author(session, "reader1", "third warning this month", actor=mo)
    with database.session() as session:
        assert [(n.text, n.actor) for n in comment_notes(session, ids[0])] == [
            ("reads as sarcasm", "mo"),
            ("asked the author", "mo"),
        ]
        assert [n.text for n in author_notes(session, "reader1")] == ["third warning this month"]
        assert comment_notes(session, ids[1]) == []
        notes = list(stream_entries(session, LogFilter(action="note")))
        (on_author,) = stream_entries(session, LogFilter(action="author-note"))
        assert verify_log(session).ok
    assert [(n.comment, n.from_status, n.to_status) for n in notes] == [
        (ids[0], "pending", "pending")
    ] * 2
    assert on_author.evidence_object() == {"author": "reader1"}
    assert status(database, ids[0]) == (Status.PENDING, False)


@pytest.mark.parametrize(("text", "said"), [("", "needs some text"), ("x" * 2001, "limit")])
def test_empty_or_long_notes_are_refused(
    database: Database, ids: list[int], text: str, said: str
) -> None:
    with pytest.raises(MissingInputError, match=said), database.transaction() as session:
        note_comment(session, ids[0], text, actor=moderation.ensure_profile(session, "m"))


# --- troubled threads and reply trees --------------------------------------------------------


def _thread(article_id: int, **fields: object) -> TroubledThread:
    values: dict[str, object] = {
        "title": f"A{article_id}",
        "escalated": 0,
        "flagged": 1,
        "hits": 1,
        "urgency": 2,
        "waiting_since": T0,
    }
    values.update(fields)
    return TroubledThread(article_id=article_id, **values)  # type: ignore[arg-type]


def test_ranking_puts_escalations_first_then_severity_hits_and_age() -> None:
    threads = [
        _thread(1, urgency=0, hits=9),
        _thread(2, escalated=1, urgency=3, hits=0),
        _thread(3, urgency=0, hits=2),
        _thread(4, urgency=0, hits=2, waiting_since=T0 - timedelta(days=1)),
        _thread(5, escalated=2),
        _thread(6, urgency=1, hits=50),
    ]
    assert [t.article_id for t in ranked(threads)] == [5, 2, 1, 4, 3, 6]
    assert _thread(7, escalated=2, flagged=3, urgency=0, hits=4).why() == (
        "2 escalated · 3 flagged (high) · 4 rule hits"
    )


def test_troubled_threads_come_from_flags_and_escalations(database: Database) -> None:
    calm = add_article(database, "Calm", 2)
    flagged = add_article(database, "Flagged", 3)
    escalated = add_article(database, "Escalated", 2)
    with database.transaction() as session:
        from moderator.domain import Severity  # noqa: PLC0415
        from moderator.rules.model import Hit, RuleAction  # noqa: PLC0415

        hit = Hit(
            rule_id="r",
            severity=Severity.HIGH,
            action=RuleAction.FLAG,
            spans=((0, 3),),
            explanation="e",
        )
        store_hits(
            session,
            [(flagged[0], [hit, hit]), (flagged[1], [hit])],
            rule_set=RuleSet(name="t", rules=(), version="v"),
        )
        mo, _ = profiles(session)
        moderation.escalate(session, [escalated[1]], actor=mo)
        moderation.approve(session, [calm[0]], actor=mo)
    with database.session() as session:
        found = troubled_threads(session)
    assert [(t.title, t.escalated, t.flagged, t.hits, t.severity) for t in found] == [
        ("Escalated", 1, 0, 0, None),
        ("Flagged", 0, 2, 3, "high"),
    ]


def test_a_flagged_comment_escalated_too_counts_once(database: Database) -> None:
    (first, _second) = add_article(database, "Both", 2)
    with database.transaction() as session:
        from moderator.domain import Severity  # noqa: PLC0415
        from moderator.rules.model import Hit, RuleAction  # noqa: PLC0415

        hit = Hit(
            rule_id="r",
            severity=Severity.MEDIUM,
            action=RuleAction.FLAG,
            spans=((0, 3),),
            explanation="e",
        )
        store_hits(
            session, [(first, [hit, hit])], rule_set=RuleSet(name="t", rules=(), version="v")
        )
        mo, _ = profiles(session)
        moderation.escalate(session, [first], actor=mo)
    with database.session() as session:
        found = troubled_threads(session)
    # One comment, both flagged and escalated: its two hits are counted once, not per reason.
    assert [(t.title, t.escalated, t.flagged, t.hits) for t in found] == [("Both", 1, 1, 2)]


def _row(comment_id: int) -> CommentRow:
    return CommentRow(
        id=comment_id,
        article_id=1,
        article_title="T",
        position=comment_id,
        author="a",
        posted_at=T0,
        body="b",
        status=Status.PENDING,
        escalated=False,
    )


def test_replies_sit_under_what_they_answer_depth_first() -> None:
    rows = [_row(i) for i in range(1, 8)]
    parents = {1: None, 2: 1, 3: None, 4: 2, 5: 1, 6: 99, 7: 7}  # 99: not in the thread
    tree = reply_tree(rows, parents)
    assert [(item.comment.id, item.depth) for item in tree] == [
        (1, 0),
        (2, 1),
        (4, 2),
        (5, 1),
        (3, 0),
        (6, 0),
        (7, 0),
    ]
    assert [item.parent_id for item in tree][:3] == [None, 1, 2]


def test_a_loop_of_parents_still_shows_every_comment_once() -> None:
    rows = [_row(i) for i in range(1, 4)]
    tree = reply_tree(rows, {1: 3, 2: 1, 3: 2})
    assert sorted(item.comment.id for item in tree) == [1, 2, 3]


def test_a_thread_without_parents_is_in_thread_order(database: Database, ids: list[int]) -> None:
    with database.transaction() as session:
        session.execute(update(Comment).where(Comment.id == ids[3]).values(parent_id=ids[0]))
        article_id = session.scalars(select(Comment.article_id)).first()
    assert article_id is not None
    with database.session() as session:
        items = thread(session, article_id)
    assert [(item.comment.id, item.depth) for item in items] == [
        (ids[0], 0),
        (ids[3], 1),
        (ids[1], 0),
        (ids[2], 0),
    ]


def test_reasons_stay_the_fixed_list() -> None:
    assert ReasonCode("abuse") is ReasonCode.ABUSE


def test_a_queue_of_one_authors_comments_across_articles(database: Database) -> None:
    from moderator.queries.queue import QueueFilter, count_queue, in_queue, list_queue  # noqa: PLC0415

    first = add_article(database, "One", 3)
    second = add_article(database, "Two", 2)
    queue = QueueFilter(status=None, author="reader1")
    with database.session() as session:
        rows = list_queue(session, queue)
        assert [row.id for row in rows] == [first[1], second[1]]
        assert count_queue(session, queue) == 2
        assert in_queue(session, queue, [first[0], first[1]]) == [first[1]]
        assert count_queue(session, QueueFilter(author="nobody")) == 0


def test_a_demoted_editor_cannot_put_back_an_editors_decision(
    database: Database, ids: list[int]
) -> None:
    with database.transaction() as session:
        ex = moderation.ensure_profile(session, "ex", role=Role.EDITOR)
        moderation.approve(session, [ids[0]], actor=ex)
        change = moderation.hide(session, [ids[0]], actor=ex, reason="spam")  # an overturn
        moderation.ensure_profile(session, "ex", role=Role.MODERATOR)
    with (
        pytest.raises(RoleError, match="changing an editor's decision"),
        database.transaction() as s,
    ):
        moderation.undo(s, change, actor=moderation.ensure_profile(s, "ex"))
    assert status(database, ids[0]) == (Status.HIDDEN, False)


def test_the_rules_leave_a_locked_articles_comments_to_the_editors(
    database: Database, tmp_path: Path
) -> None:
    import moderator.rules.kinds  # noqa: F401, PLC0415 - registers the built-in kinds
    from moderator.rules.loader import load_rule_set  # noqa: PLC0415
    from moderator.runs.rules import run_rules  # noqa: PLC0415

    rules = tmp_path / "rules.toml"
    rules.write_text(
        '[ruleset]\nname = "t"\n\n[[rule]]\nid = "s"\nkind = "words"\nterms = ["comment"]\n'
        'severity = "high"\naction = "hide"\n',
        encoding="utf-8",
    )
    ids = add_article(database, "T", 2)
    with database.session() as session:
        article_id = session.scalars(select(Comment.article_id)).first()
    assert article_id is not None
    with database.transaction() as session:
        _, ed = profiles(session)
        set_locked(session, article_id, locked=True, actor=ed)
    report = run_rules(database, load_rule_set(rules))
    assert (report.flagged, report.hidden) == (2, 0)
    assert status(database, ids[0]) == (Status.PENDING, False)
