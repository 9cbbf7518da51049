"""The turn's hot statements, compiled once per dialect and run on the driver's cursor.

A turn runs a handful of statements that are built once (module constants or cached per
shape) and executed with bound parameters. SQLAlchemy's execution layer (cache-key lookup,
execution context, result metadata) cost more CPU per statement than the statements
themselves; here each statement is compiled once per dialect, and a run only converts its
parameters and rows with the column types' own processors (the same conversions
SQLAlchemy applies), so values go in and come out exactly as through `Connection.execute`.

Kept from SQLAlchemy: the connection and transaction of the caller's `Connection`, the
engine's `before_cursor_execute` / `after_cursor_execute` events (with no execution context,
as the event API allows), driver errors wrapped as `sqlalchemy.exc.DBAPIError` and a
connection that was lost invalidated, Python-side column defaults computed when a write
leaves them out. Statements with expanding (`IN` list) or literal-execute parameters are
refused: those are rewritten per execution.
"""

from __future__ import annotations

import threading
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.compiler import SQLCompiler

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class Compiled:
    """One statement compiled for one dialect, with its parameter and row conversions."""

    statement: sa.Executable  # kept referenced: the cache is keyed by its id
    compiled: SQLCompiler
    sql: str
    positional: tuple[str, ...] | None
    binds: Mapping[str, Processor]
    # Columns left to a Python-side default (or onupdate): computed per run, as SQLAlchemy does.
    defaults: Mapping[str, Callable[[], Any]]
    results: tuple[Processor, ...]
    row: type[tuple[Any, ...]]

    def parameters(self, params: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        given = dict(params)
        for name, default in self.defaults.items():
            if name not in given:
                given[name] = default()
        values = dict(self.compiled.construct_params(given))
        for name, process in self.binds.items():
            if process is not None:
                values[name] = process(values[name])
        if self.positional is not None:
            return tuple(values[name] for name in self.positional)
        return values

    def rows(self, raw: Sequence[Sequence[Any]]) -> list[Any]:
        results, row = self.results, self.row
        return [
            row(*(v if p is None else p(v) for p, v in zip(results, r, strict=True))) for r in raw
        ]


# By statement and by what the SQL depends on: the dialect and driver (psycopg and asyncpg
# differ in parameter style) and the server's version, known once connected.
_compiled: dict[tuple[int, type[sa.Dialect], Any, str], Compiled] = {}
_compiling = threading.Lock()


def compiled(statement: sa.Executable, dialect: sa.Dialect) -> Compiled:
    key = (id(statement), type(dialect), dialect.server_version_info, dialect.paramstyle)
    found = _compiled.get(key)
    if found is None:
        with _compiling:
            found = _compiled.get(key) or _compile(statement, dialect)
            _compiled[key] = found
    return found


def _compile(statement: sa.Executable, dialect: sa.Dialect) -> Compiled:
    done = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
    if not isinstance(done, SQLCompiler):
        raise TypeError(f"not a SQL statement: {statement!r}")
    if done.post_compile_params or done.literal_execute_params:
        raise ValueError("expanding or literal-execute parameters are rewritten per execution")
    defaults = {column.key: _default_of(column) for column in done.insert_prefetch}
    defaults |= {column.key: _default_of(column, update=True) for column in done.update_prefetch}
    binds = {
        name: bind.type.dialect_impl(dialect).bind_processor(dialect)
        for bind, name in done.bind_names.items()
    }
    columns = list(getattr(statement, "exported_columns", ()))
    results = tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns)
    # An unlabelled column's anonymous key is not a field name: `rename` numbers it.
    row = namedtuple("Row", [c.key for c in columns], rename=True)  # type: ignore[misc]
    positional = tuple(done.positiontup or ()) if done.positional else None
    return Compiled(statement, done, done.string, positional, binds, defaults, results, row)


def _default_of(column: sa.Column[Any], update: bool = False) -> Callable[[], Any]:
    """A column's Python-side default (or onupdate) as the execution would compute it."""
    default = column.onupdate if update else column.default
    if not isinstance(default, sa.ColumnDefault) or not (default.is_scalar or default.is_callable):
        raise ValueError(f"{column.key}: only scalar or callable Python-side defaults are known")
    if default.is_scalar:
        value = default.arg
        return lambda: value
    arg = default.arg  # wrapped by SQLAlchemy to take the execution context
    return lambda: arg(None)


def run(
    connection: sa.Connection, statement: sa.Executable, params: Mapping[str, Any]
) -> list[Any]:
    """Execute `statement` with `params` in `connection`'s transaction; its rows (named
    tuples, converted by the column types), or [] for a statement that returns none."""
    dialect = connection.dialect
    prepared = compiled(statement, dialect)
    args = prepared.parameters(params)
    if not connection.in_transaction():  # as `Connection.execute` begins one
        connection.begin()
    dbapi_connection = connection.connection
    cursor = dbapi_connection.cursor()
    dispatch = connection.dispatch
    try:
        dispatch.before_cursor_execute(connection, cursor, prepared.sql, args, None, False)
        try:
            cursor.execute(prepared.sql, args)
            raw = cursor.fetchall() if cursor.description is not None else []
        except dialect.loaded_dbapi.Error as exc:
            lost = dialect.is_disconnect(exc, dbapi_connection, cursor)
            if lost:
                connection.invalidate(exc)
            raise sa.exc.DBAPIError.instance(
                prepared.sql,
                args,
                exc,
                dialect.loaded_dbapi.Error,
                connection_invalidated=lost,
                dialect=dialect,
            ) from exc
        dispatch.after_cursor_execute(connection, cursor, prepared.sql, args, None, False)
    finally:
        cursor.close()
    return prepared.rows(raw)


def first(connection: sa.Connection, statement: sa.Executable, params: Mapping[str, Any]) -> Any:
    """The first row of `run`, or None."""
    rows = run(connection, statement, params)
    return rows[0] if rows else None
