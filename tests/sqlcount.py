"""Count what a request costs the database: statements, transactions and round trips.

Counted with SQLAlchemy's engine and pool events, so a test can assert the numbers and a change
that adds a query fails CI. On PostgreSQL every statement is one round trip, and so are each
transaction's BEGIN (psycopg sends it before the first statement) and its COMMIT or ROLLBACK.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa


@dataclass
class Tally:
    statements: list[str] = field(default_factory=list)
    # Transactions committed, explicitly or as a single statement in autocommit mode.
    commits: int = 0
    # BEGIN, COMMIT and ROLLBACK sent (none in autocommit mode).
    transaction_commands: int = 0

    @property
    def round_trips(self) -> int:
        return len(self.statements) + self.transaction_commands

    def report(self) -> str:
        """What was sent, for an assertion message."""
        lines = [f"{self.round_trips} round trips, {self.commits} commits:"]
        return "\n".join(lines + [f"  {sql.split()[0]} {sql[:150]!r}" for sql in self.statements])


def _autocommit(connection: Any) -> bool:
    """Whether the driver runs each statement as its own transaction (no BEGIN/COMMIT sent)."""
    dbapi = connection.connection.dbapi_connection
    autocommit = getattr(dbapi, "autocommit", None)
    if isinstance(autocommit, bool):  # psycopg 3, and SQLAlchemy's adapter around asyncpg
        return autocommit
    # sqlite3 (whose own `autocommit`, from Python 3.12, is not what SQLAlchemy sets)
    return getattr(dbapi, "isolation_level", "") is None


def _in_transaction(dbapi_connection: Any) -> bool:
    """Whether the driver holds an open transaction (a reset then sends a ROLLBACK)."""
    info = getattr(dbapi_connection, "info", None)
    status = getattr(info, "transaction_status", None)
    if status is not None:  # psycopg 3: 0 is IDLE
        return int(status) != 0
    return bool(getattr(dbapi_connection, "in_transaction", False))


@contextmanager
def counted(engine: sa.Engine) -> Iterator[Tally]:
    """Everything `engine` sends while the block runs."""
    tally = Tally()

    def on_execute(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        tally.statements.append(" ".join(statement.split()))

    def on_begin(conn: Any) -> None:
        tally.transaction_commands += 0 if _autocommit(conn) else 1

    def on_commit(conn: Any) -> None:
        tally.commits += 1
        tally.transaction_commands += 0 if _autocommit(conn) else 1

    def on_rollback(conn: Any) -> None:
        tally.transaction_commands += 0 if _autocommit(conn) else 1

    def on_reset(dbapi_connection: Any, *_args: Any) -> None:
        if _in_transaction(dbapi_connection):  # a reset on return rolls an open one back
            tally.transaction_commands += 1

    listeners = [
        (engine, "before_cursor_execute", on_execute),
        (engine, "begin", on_begin),
        (engine, "commit", on_commit),
        (engine, "rollback", on_rollback),
        (engine.pool, "reset", on_reset),
    ]
    for target, name, listener in listeners:
        sa.event.listen(target, name, listener)
    try:
        yield tally
    finally:
        for target, name, listener in listeners:
            sa.event.remove(target, name, listener)
