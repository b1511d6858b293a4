"""The read side: queue filters and order, flags on rows, article counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from moderator.domain import Role, Severity, Status
from moderator.formats.records import IncomingArticle, IncomingComment
from moderator.queries.queue import (
    QueueFilter,
    QueueOrder,
    count_queue,
    get_comment,
    list_queue,
    list_queue_by_ids,
)
from moderator.queries.snapshots import (
    CommentRow,
    ProfileRow,
    get_article,
    get_profile,
    list_articles,
)
from moderator.rules.model import Hit, RuleAction, RuleSet
from moderator.services.flagging import store_hits
from moderator.services.importing import import_article
from moderator.services.moderation import ensure_profile, hide
from moderator.store.database import Database
from moderator.store.models import Flag

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def articles(database: Database) -> tuple[int, int]:
    # Article B's comments are older than A's, so time order and thread order differ.
    a = IncomingArticle(
        "A",
        "Body A.\n\nMore.",
        "a.txt",
        tuple(IncomingComment(f"u{i}", T0 + timedelta(hours=i), f"a{i}") for i in range(3)),
    )
    b = IncomingArticle(
        "B",
        "Body B.",
        "b.txt",
        tuple(IncomingComment(f"u{i}", T0 - timedelta(hours=i + 1), f"b{i}") for i in range(2)),
    )
    with database.transaction() as session:
        first = import_article(session, a).article_id
        second = import_article(session, b).article_id
    return first, second


def bodies(rows: list) -> list[str]:  # type: ignore[type-arg]
    return [row.body for row in rows]


def test_all_articles_queue_is_in_time_order(database: Database, articles: tuple[int, int]) -> None:
    with database.session() as session:
        rows = list_queue(session, QueueFilter())
    assert bodies(rows) == ["b1", "b0", "a0", "a1", "a2"]


def test_one_articles_queue_is_in_thread_order(
    database: Database, articles: tuple[int, int]
) -> None:
    with database.session() as session:
        rows = list_queue(session, QueueFilter(article_id=articles[1]))
    assert bodies(rows) == ["b0", "b1"]
    assert {row.article_title for row in rows} == {"B"}


def test_status_and_flag_filters(database: Database, articles: tuple[int, int]) -> None:
    with database.session() as session:
        ids = [row.id for row in list_queue(session, QueueFilter(article_id=articles[0]))]
    with database.transaction() as session:
        hide(session, [ids[0]], actor=ensure_profile(session, "m"), reason="abuse")
        session.add(
            Flag(
                comment_id=ids[1],
                rule_id="words.insults",
                rule_set_version="v1",
                severity=Severity.MEDIUM,
                spans=[[0, 2]],
                explanation="'a1' is an insult",
            )
        )
    with database.session() as session:
        hidden = list_queue(session, QueueFilter(status=Status.HIDDEN))
        flagged = list_queue(session, QueueFilter(flagged=True))
        pending = count_queue(session, QueueFilter(status=Status.PENDING))
        (article_a,) = [a for a in list_articles(session) if a.id == articles[0]]
        detail = get_comment(session, ids[1])
    assert bodies(hidden) == ["a0"]
    assert bodies(flagged) == ["a1"]
    assert flagged[0].flags[0].spans == ((0, 2),)
    assert flagged[0].as_json()["flags"] == [
        {
            "rule_id": "words.insults",
            "severity": "medium",
            "explanation": "'a1' is an insult",
            "spans": [[0, 2]],
        }
    ]
    assert pending == 4
    assert (article_a.comments, article_a.pending, article_a.hidden, article_a.flagged) == (
        3,
        2,
        1,
        1,
    )
    assert detail is not None
    assert detail.flags[0].severity is Severity.MEDIUM


def test_paging(database: Database, articles: tuple[int, int]) -> None:
    with database.session() as session:
        pages = [list_queue(session, QueueFilter(), limit=2, offset=o) for o in (0, 2, 4)]
    assert [bodies(p) for p in pages] == [["b1", "b0"], ["a0", "a1"], ["a2"]]


def test_by_ids_keeps_the_order_asked_and_skips_missing(
    database: Database, articles: tuple[int, int]
) -> None:
    with database.session() as session:
        ids = [row.id for row in list_queue(session, QueueFilter())]
        rows = list_queue_by_ids(session, [ids[3], 10_000, ids[0]])
        assert get_comment(session, 10_000) is None
    assert bodies(rows) == ["a1", "b1"]


def test_article_detail(database: Database, articles: tuple[int, int]) -> None:
    with database.session() as session:
        detail = get_article(session, articles[0])
        assert get_article(session, 999) is None
    assert detail is not None
    assert detail.paragraphs == ("Body A.", "More.")


def test_empty_articles_have_zero_counts(database: Database) -> None:
    with database.transaction() as session:
        import_article(session, IncomingArticle("Quiet", "No comments.", "q.txt", ()))
    with database.session() as session:
        (row,) = list_articles(session)
    assert (row.comments, row.pending, row.flagged) == (0, 0, 0)


@pytest.mark.parametrize("article", [None, 0], ids=["all-by-time", "one-by-position"])
def test_keyset_paging_matches_offset_paging(
    database: Database, articles: tuple[int, int], article: int | None
) -> None:
    queue = QueueFilter(article_id=None if article is None else articles[article])
    with database.session() as session:
        everything = list_queue(session, queue)
        pages: list[list[str]] = []
        last = None
        while True:
            page = list_queue(session, queue, limit=2, after=last)
            if not page:
                break
            pages.append(bodies(page))
            last = page[-1]
    assert [body for page in pages for body in page] == bodies(everything)
    assert all(len(page) <= 2 for page in pages)


def test_profiles_are_read_without_being_created(database: Database) -> None:
    with database.session() as session:
        assert get_profile(session, "nobody") is None
    with database.transaction() as session:
        ensure_profile(session, "ed", role=Role.EDITOR)
    with database.session() as session:
        assert get_profile(session, " ed ") == ProfileRow("ed", Role.EDITOR)


def flag(database: Database, severities: dict[str, Severity | None]) -> None:
    """Store rule hits on the comments with these bodies (None: checked, nothing found)."""
    with database.session() as session:
        ids = {row.body: row.id for row in list_queue(session, QueueFilter())}
    results = [
        (
            ids[body],
            []
            if severity is None
            else [Hit(f"r-{severity}", severity, RuleAction.FLAG, "why", ((0, 1),))],
        )
        for body, severity in severities.items()
    ]
    with database.transaction() as session:
        store_hits(session, results, rule_set=RuleSet(name="t", rules=(), version="v1"))


@pytest.mark.parametrize("article", [None, 0])
def test_by_severity_the_gravest_come_first_and_pages_follow(
    database: Database, articles: tuple[int, int], article: int | None
) -> None:
    flag(database, {"a2": Severity.LOW, "a1": Severity.HIGH, "b0": Severity.MEDIUM})
    queue = QueueFilter(
        article_id=None if article is None else articles[article], order=QueueOrder.SEVERITY
    )
    with database.session() as session:
        everything = list_queue(session, queue)
        paged: list[str] = []
        last = None
        while page := list_queue(session, queue, limit=2, after=last):
            paged += bodies(page)
            last = page[-1]
    expected = ["a1", "b0", "a2", "b1", "a0"] if article is None else ["a1", "a2", "a0"]
    assert bodies(everything) == expected
    assert paged == expected
    assert [row.urgency for row in everything][:2] == [0, 1 if article is None else 2]


def test_checking_again_updates_the_order(database: Database, articles: tuple[int, int]) -> None:
    flag(database, {"a1": Severity.HIGH})
    flag(database, {"a1": None, "a2": Severity.MEDIUM})
    with database.session() as session:
        rows = list_queue(session, QueueFilter(article_id=articles[0], order=QueueOrder.SEVERITY))
    assert bodies(rows) == ["a2", "a0", "a1"]
    assert [row.urgency for row in rows] == [1, 3, 3]


@pytest.mark.parametrize("order", list(QueueOrder))
def test_every_status_across_articles_pages_in_one_order(
    database: Database, articles: tuple[int, int], order: QueueOrder
) -> None:
    flag(database, {"a2": Severity.LOW, "b1": Severity.HIGH})
    with database.transaction() as session:
        ids = {row.body: row.id for row in list_queue(session, QueueFilter())}
        hide(session, [ids["a0"], ids["b1"]], actor=ensure_profile(session, "m"), reason="spam")
    queue = QueueFilter(order=order)
    with database.session() as session:
        paged: list[CommentRow] = []
        while page := list_queue(session, queue, limit=2, after=paged[-1] if paged else None):
            paged += page
        statuses = {row.status for row in paged}

    def key(row: CommentRow) -> tuple[object, ...]:
        by_time = (row.posted_at, row.id)
        if order is QueueOrder.LIKELY:
            return (row.hide_rank, row.urgency, *by_time)
        return (row.urgency, *by_time) if order is QueueOrder.SEVERITY else by_time

    assert len(paged) == 5
    assert statuses == {Status.PENDING, Status.HIDDEN}
    assert paged == sorted(paged, key=key)
    # b1 is the oldest comment, and the one with the gravest flag.
    assert bodies(paged)[0] == "b1"
    # Nothing scored yet: "likely" orders as "severity" does.
    assert bodies(paged)[1] == ("b0" if order is QueueOrder.TIME else "a2")


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("", ["a0", "a1", "a2"]),
        ("A1", ["a1"]),
        ("u2", ["a2"]),  # the author's name
        ("a u0", ["a0"]),  # every word must match, body or author
        ("%", []),  # typed characters, not wildcards
        ("_", []),
    ],
)
def test_search_matches_words_in_the_text_or_the_author(
    database: Database, articles: tuple[int, int], search: str, expected: list[str]
) -> None:
    queue = QueueFilter(article_id=articles[0], search=search)
    with database.session() as session:
        assert bodies(list_queue(session, queue)) == expected
        assert count_queue(session, queue) == len(expected)


def test_a_page_of_articles_is_a_slice_of_them_all(
    database: Database, articles: tuple[int, int]
) -> None:
    with database.session() as session:
        every = list_articles(session)
        pages = [list_articles(session, limit=1, offset=n) for n in range(3)]
        first_two = list_articles(session, limit=2)
    # Counted on the page alone, each article's figures are those of the whole list.
    assert [row.id for row in every] == [articles[1], articles[0]]
    assert pages == [every[:1], every[1:], []]
    assert first_two == every
