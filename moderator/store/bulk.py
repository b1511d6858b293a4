"""Inserts many rows at once, by the fastest path the database offers."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Column, Dialect, Table, insert
from sqlalchemy.orm import Session

Converter = Callable[[Any], Any]


def _converter(column: Column[Any], dialect: Dialect) -> Converter | None:
    """What the column's type does to a value on its way to this database, or None."""
    processor: Converter | None = column.type.dialect_impl(dialect).bind_processor(dialect)
    return processor


def _constant_aware(convert: Converter) -> Converter:
    # An import stamps every row with the same time; convert it once, not once a row.
    last: list[Any] = [object(), None]

    def converted(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, convert(value)
        return last[1]

    return converted


def required_columns(table: Table) -> set[str]:
    """Columns a row must give: not null, no server default, not the generated primary key."""
    return {
        column.name
        for column in table.columns
        if not column.nullable
        and column.server_default is None
        and not (column.primary_key and column.autoincrement in (True, "auto"))
    }


def insert_many(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert plain rows, all with the same keys, in the session's transaction.

    On SQLite the rows go to the driver's ``executemany`` directly, each value converted by its
    column type's own bind processor: SQLAlchemy's per-row parameter handling would cost as much
    again as SQLite's insert. Python-side column defaults are not applied on either path, so a
    row must give every required column.
    """
    if not rows:
        return
    names = list(rows[0])
    unknown = [name for name in names if name not in table.c]
    if unknown:
        raise KeyError(f"table {table.name} has no column {unknown[0]!r}")
    missing = sorted(required_columns(table) - set(names))
    if missing:
        raise KeyError(f"rows for {table.name} lack required columns {missing}")
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name != "sqlite":
        session.execute(insert(table), rows)
        return
    plain = []
    for name in names:
        convert = _converter(table.c[name], dialect)
        if convert is not None and rows[0][name] is rows[-1][name]:
            convert = _constant_aware(convert)
        plain.append((name, convert))
    values = [
        tuple([row[name] if convert is None else convert(row[name]) for name, convert in plain])
        for row in rows
    ]
    quote = dialect.identifier_preparer.quote
    columns = ", ".join(quote(name) for name in names)
    marks = ", ".join("?" * len(names))
    target = dialect.identifier_preparer.format_table(table)
    connection.exec_driver_sql(f"INSERT INTO {target} ({columns}) VALUES ({marks})", values)
