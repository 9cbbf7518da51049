"""One budget check at a time per budget scope, across processes and replicas.

A turn (or a speech call) reads what its budgets have spent and writes its reservation in one
transaction; `lock_scopes` makes that transaction the only one checking those scopes until it
commits. On PostgreSQL it takes a transaction-scoped advisory lock per scope (`guest:<id>`,
`guest_ip:<ip>`, `user:<id>`, in sorted order so two checks never wait on each other in a
cycle), released by the COMMIT or ROLLBACK; the statements after it start their snapshot
once the lock is held, so they see every reservation committed before. On SQLite a write
already holds the one database-wide write lock until COMMIT: `lock_scopes` writes nothing
(an UPDATE matching no row) so that the reads after it run under that lock.

An asyncio service runs these checks on threads of their own with blocking sessions
(`CheckThreads`): the lock is held from the first statement to the COMMIT, and on a busy event
loop every statement in between would wait behind every other request's work, stretching the
time each check holds the lock and so the queue of checks behind it (bench/RESULTS.md: most of
a voice turn's time in a burst of fifty).

The bound: a check sees every reservation committed before it, so a budget is overshot by at
most what the last allowed turn spends beyond its reservation (a turn reserves the caller's
largest recent turn) or, for speech, not at all (a speech call reserves its exact size).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import orm as so

from shared.core.db import sync_engine
from shared.core.models import UsageHour

T = TypeVar("T")
# Threads (so connections) for checks at once per process. SQLite has one writer: a second
# thread would only wait in SQLite's busy handler, whose back-off sleeps past the lock's release.
PG_CHECK_THREADS = 4


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


@dataclass(frozen=True)
class CheckThreads:
    """Where an asyncio service runs its atomic checks: blocking sessions on threads of their
    own, so a check's statements run back to back while it holds its scopes' lock."""

    sessions: so.sessionmaker[so.Session]
    executor: ThreadPoolExecutor

    async def run(self, work: Callable[..., T], *args: Any) -> T:
        """`work(session_factory, *args)` on a check thread."""
        call = functools.partial(work, self.sessions, *args)
        return await asyncio.get_running_loop().run_in_executor(self.executor, call)

    @property
    def engine(self) -> sa.Engine:
        engine: sa.Engine = self.sessions.kw["bind"]
        return engine

    def close(self) -> None:
        self.executor.shutdown(wait=False)
        self.engine.dispose()


def check_threads(database_url: str) -> CheckThreads:
    """Check threads and a small blocking engine of their own for `database_url`."""
    sqlite = database_url.startswith("sqlite")
    threads = 1 if sqlite else PG_CHECK_THREADS
    pool = {} if sqlite else {"pool_size": threads, "max_overflow": 0}
    engine = sync_engine(database_url, **pool)
    executor = ThreadPoolExecutor(threads, thread_name_prefix="budget-check")
    return CheckThreads(so.sessionmaker(engine, expire_on_commit=False), executor)
