"""One budget check at a time per budget scope, across processes and replicas.

A turn (or a speech call) reads what its budgets have spent and writes its reservation in one
transaction; `lock_scopes` makes that transaction the only one checking those scopes until it
commits. On PostgreSQL it takes a transaction-scoped advisory lock per scope (`guest:<id>`,
`guest_ip:<ip>`, `user:<id>`, in sorted order so two checks never wait on each other in a
cycle), released by the COMMIT or ROLLBACK; the statements after it start their snapshot
once the lock is held, so they see every reservation committed before. On SQLite a write
already holds the one database-wide write lock until COMMIT: `lock_scopes` writes nothing
(an UPDATE matching no row) so that the reads after it run under that lock.

The bound: a check sees every reservation committed before it, so a budget is overshot by at
most what the last allowed turn spends beyond its reservation (a turn reserves the caller's
largest recent turn) or, for speech, not at all (a speech call reserves its exact size).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from shared.core.models import UsageHour


def scope_key(name: str, key: Any) -> str:
    return f"{name}:{key}"


@functools.cache
def _advisory_stmt(count: int) -> sa.Select[Any]:
    locks = (
        sa.func.pg_advisory_xact_lock(sa.func.hashtext(sa.bindparam(f"s_{i}", type_=sa.String)))
        for i in range(count)
    )
    return sa.select(*locks)


# SQLite: a write that changes nothing but takes the database's write lock for the transaction.
_SQLITE_WRITE_LOCK = sa.update(UsageHour).where(sa.false()).values(tokens=UsageHour.tokens)


def lock_statement(dialect: str, keys: Iterable[str]) -> tuple[sa.Executable, dict[str, Any]]:
    """The statement that makes this transaction the only checker of `keys` until it ends."""
    ordered = sorted(set(keys))
    if dialect == "postgresql":
        params = {f"s_{i}": key for i, key in enumerate(ordered)}
        return _advisory_stmt(len(ordered)), params
    return _SQLITE_WRITE_LOCK, {}


def lock_scopes(connection: sa.Connection, keys: Iterable[str]) -> None:
    """`lock_statement` run in the connection's open transaction."""
    keys = list(keys)
    if keys:
        connection.execute(*lock_statement(connection.dialect.name, keys))


async def alock_scopes(session: AsyncSession, keys: Iterable[str]) -> None:
    """`lock_scopes` for an asyncio session (its transaction begins here)."""
    keys = list(keys)
    if keys:
        dialect = session.get_bind().dialect.name
        await session.execute(*lock_statement(dialect, keys))
