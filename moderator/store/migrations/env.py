"""Alembic's entry point: migrations run on the connection that moderator.store.database
hands in."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from moderator.store.models import Base

connection: Connection | None = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only hand-run `alembic` commands come here
    raise RuntimeError("run migrations through moderator.store.database, which passes a connection")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things in place; batch mode copies the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
