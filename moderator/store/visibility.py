"""What the desk sees of an import still being written: nothing past its limits.

An import writes a big file in parts (``moderator.services.staging``); until a part is shown,
its comments (and a new article) are in the tables but must be seen by no one: not queued,
counted, searched, decided, checked against or exported. Rather than trust every query to
say so, every ORM statement of every session gets the limit (SQLAlchemy's
``with_loader_criteria``, the documented recipe for rows only some may see): comments (and
their flags) with ids up to ``ImportBatch.comments_upto``, articles up to
``articles_upto``. Without an import under way the limit is the largest id there can be, so
it filters nothing.

Only the import's own writing sees the rest: statements run with :data:`ALL_ROWS`, and a
session marked by :func:`see_all_rows` (the rules' check of a file's next article, whose
history includes the articles of the file stored before it). The log's check reads through
a bare connection, which no session hook reaches: it asks for these conditions itself.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, event, func, select
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from moderator.store.models import Article, Comment, Flag, ImportBatch

# Execution option: this statement sees the rows of an import not shown yet.
ALL_ROWS = {"all_rows": True}
# The largest id SQLite (and PostgreSQL's bigint) holds: no limit.
_NO_LIMIT = 2**63 - 1


def comment_shown() -> ColumnElement[bool]:
    """The condition that a comment is shown."""
    limit = select(func.coalesce(func.max(ImportBatch.comments_upto), _NO_LIMIT))
    return Comment.id <= limit.scalar_subquery()


def flag_shown() -> ColumnElement[bool]:
    """The condition that a flag's comment is shown."""
    limit = select(func.coalesce(func.max(ImportBatch.comments_upto), _NO_LIMIT))
    return Flag.comment_id <= limit.scalar_subquery()


def article_shown() -> ColumnElement[bool]:
    """The condition that an article is shown."""
    limit = select(func.coalesce(func.max(ImportBatch.articles_upto), _NO_LIMIT))
    return Article.id <= limit.scalar_subquery()


def see_all_rows(session: Session) -> None:
    """Let every statement of this session see every row."""
    session.info["all_rows"] = True


def install() -> None:
    """Apply the limits to every session from now on (once per process; the storage does)."""
    if not event.contains(Session, "do_orm_execute", _only_what_is_shown):
        event.listen(Session, "do_orm_execute", _only_what_is_shown)


def _only_what_is_shown(state: ORMExecuteState) -> None:
    if (
        state.execution_options.get("all_rows")
        or state.session.info.get("all_rows")
        or not (state.is_select or state.is_update or state.is_delete)
    ):
        return
    if state.is_update and state.is_executemany:
        return  # updates by primary key name their rows: only the import's own writing does
    state.statement = state.statement.options(
        with_loader_criteria(Comment, comment_shown(), include_aliases=True),
        with_loader_criteria(Article, article_shown(), include_aliases=True),
        with_loader_criteria(Flag, flag_shown(), include_aliases=True),
    )
