"""Storing parsed articles: new, recognised again, and new comments on a known article."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from moderator.domain import Status
from moderator.formats.records import IncomingArticle, IncomingComment
from moderator.services.importing import import_article
from moderator.services.moderation import ensure_profile, hide
from moderator.store.database import Database
from moderator.store.models import Article, Author, Comment

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


def comment(author: str, minutes: int, body: str) -> IncomingComment:
    return IncomingComment(author=author, posted_at=T0 + timedelta(minutes=minutes), body=body)


ARTICLE = IncomingArticle(
    title="Title",
    body="Para one.\n\nPara two.",
    source="/data/a.txt",
    comments=(
        comment("ann", 0, "First."),
        comment("bob", 5, "Second."),
        comment("ann", 9, "Third."),
    ),
)


def stored(database: Database) -> list[tuple[int, str, str, Status]]:
    with database.session() as session:
        rows = session.execute(
            select(Comment.position, Author.name, Comment.body, Comment.status)
            .join(Author)
            .order_by(Comment.position)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def test_a_new_article_is_stored_with_its_comments(database: Database) -> None:
    with database.transaction() as session:
        change = import_article(session, ARTICLE)

    assert change.created
    assert (change.added, change.already_present) == (3, 0)
    assert stored(database) == [
        (1, "ann", "First.", Status.PENDING),
        (2, "bob", "Second.", Status.PENDING),
        (3, "ann", "Third.", Status.PENDING),
    ]
    with database.session() as session:
        article = session.scalars(select(Article)).one()
        assert article.paragraphs == ["Para one.", "Para two."]
        assert session.scalar(select(func.count(Author.id))) == 2
        posted = session.scalars(select(Comment.posted_at).order_by(Comment.id)).first()
        assert posted == T0


def test_importing_the_same_article_again_changes_nothing(database: Database) -> None:
    with database.transaction() as session:
        first = import_article(session, ARTICLE)
    with database.transaction() as session:
        again = import_article(session, ARTICLE)

    assert again.article_id == first.article_id
    assert not again.created
    assert (again.added, again.already_present) == (0, 3)
    assert len(stored(database)) == 3


def test_a_later_scrape_adds_new_comments_and_keeps_decisions(database: Database) -> None:
    with database.transaction() as session:
        import_article(session, ARTICLE)
    with database.transaction() as session:
        hide(session, [2], actor=ensure_profile(session, "mod"), reason="spam")

    later = replace(
        ARTICLE,
        comments=(comment("cat", -3, "Earliest."), *ARTICLE.comments, comment("dan", 20, "New.")),
    )
    with database.transaction() as session:
        change = import_article(session, later)

    assert (change.added, change.already_present) == (2, 3)
    assert stored(database) == [
        (1, "cat", "Earliest.", Status.PENDING),
        (2, "ann", "First.", Status.PENDING),
        (3, "bob", "Second.", Status.HIDDEN),
        (4, "ann", "Third.", Status.PENDING),
        (5, "dan", "New.", Status.PENDING),
    ]


def test_a_verbatim_repeat_is_kept_as_two_comments(database: Database) -> None:
    twice = replace(ARTICLE, comments=(comment("ann", 0, "Same."), comment("ann", 0, "Same.")))
    with database.transaction() as session:
        assert import_article(session, twice).added == 2
    with database.transaction() as session:
        assert import_article(session, twice).added == 0
    assert len(stored(database)) == 2


def test_articles_differing_in_body_are_different_articles(database: Database) -> None:
    with database.transaction() as session:
        a = import_article(session, ARTICLE)
        b = import_article(session, replace(ARTICLE, body="Other body."))
    assert a.article_id != b.article_id
    assert b.created


def test_authors_are_shared_across_articles(database: Database) -> None:
    with database.transaction() as session:
        import_article(session, ARTICLE)
        import_article(session, replace(ARTICLE, title="Another"))
    with database.session() as session:
        assert session.scalar(select(func.count(Author.id))) == 2
        assert session.scalar(select(func.count(Comment.id))) == 6


def test_a_comment_gone_from_the_newer_scrape_keeps_its_place(database: Database) -> None:
    with database.transaction() as session:
        import_article(session, ARTICLE)
    with database.transaction() as session:
        hide(session, [2], actor=ensure_profile(session, "mod"), reason="spam")
    # The site removed bob's hidden comment and a new one arrived at the end.
    newer = replace(
        ARTICLE, comments=(ARTICLE.comments[0], ARTICLE.comments[2], comment("dan", 20, "New."))
    )
    with database.transaction() as session:
        change = import_article(session, newer)

    assert (change.added, change.already_present) == (1, 2)
    assert stored(database) == [
        (1, "ann", "First.", Status.PENDING),
        (2, "bob", "Second.", Status.HIDDEN),
        (3, "ann", "Third.", Status.PENDING),
        (4, "dan", "New.", Status.PENDING),
    ]


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    first=st.lists(st.integers(0, 9), max_size=8, unique=True),
    second=st.lists(st.integers(0, 9), max_size=8, unique=True),
)
def test_positions_stay_a_sequence_through_any_rescrape(
    database: Database, first: list[int], second: list[int]
) -> None:
    title = f"Rescrape {first} {second}"
    for picks in (first, second):
        scrape = replace(
            ARTICLE, title=title, comments=tuple(comment("u", i, f"c{i}") for i in picks)
        )
        with database.transaction() as session:
            import_article(session, scrape)
    with database.session() as session:
        article = session.scalars(select(Article).where(Article.title == title)).one()
        rows = session.execute(
            select(Comment.position, Comment.body)
            .where(Comment.article_id == article.id)
            .order_by(Comment.position)
        ).all()
    assert [position for position, _ in rows] == list(range(1, len(rows) + 1))
    assert sorted(body for _, body in rows) == sorted({f"c{i}" for i in first + second})
    # The newest scrape's comments appear in its order.
    newest = [body for _, body in rows if body in {f"c{i}" for i in second}]
    assert newest == [f"c{i}" for i in second]
