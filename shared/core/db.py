"""Declarative base, naming conventions and database URL helpers shared by both services."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm as so
from sqlalchemy.ext.asyncio import AsyncAttrs, AsyncSession
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# A plain session, or Flask-SQLAlchemy's scoped `db.session`.
AnySession = so.Session | so.scoped_session[Any]


class Base(AsyncAttrs, DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend.

    SQLite has no timezone support, so values are stored naive in UTC and made aware on load.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use datetime.now(UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# A statement that is atomic on its own needs no BEGIN and COMMIT (two round trips on
# PostgreSQL); the connection's isolation level is reset when it goes back to the pool.
AUTOCOMMIT: dict[str, Any] = {"isolation_level": "AUTOCOMMIT"}


def on_its_own(session: so.Session) -> None:
    """Run the session's next statements each as its own transaction (autocommit): for a
    single write or reads that need not agree. Only when no transaction is open yet."""
    if not session.in_transaction():
        session.connection(execution_options=AUTOCOMMIT)


async def aon_its_own(session: AsyncSession) -> None:
    """`on_its_own` for an asyncio session."""
    if not session.in_transaction():
        await session.connection(execution_options=AUTOCOMMIT)


def sync_url(url: str) -> str:
    """The URL a synchronous engine uses (psycopg 3 for PostgreSQL)."""
    for prefix in ("postgres://", "postgresql://", "postgresql+asyncpg://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    if url.startswith("sqlite+aiosqlite://"):
        return "sqlite://" + url[len("sqlite+aiosqlite://") :]
    return url


def async_url(url: str) -> str:
    """The URL an asyncio engine uses (asyncpg / aiosqlite) for the same database."""
    url = sync_url(url)
    if url.startswith("postgresql+psycopg://"):
        return "postgresql+asyncpg://" + url[len("postgresql+psycopg://") :]
    if url.startswith("sqlite://"):
        return "sqlite+aiosqlite://" + url[len("sqlite://") :]
    return url


SQLITE_BUSY_TIMEOUT_MS = 15_000


def configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """WAL and a busy timeout so both services can write at once without 'database is locked'."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def engine_options(url: str) -> dict[str, Any]:
    """Engine keyword arguments chosen per backend (pool health checks, SQLite timeouts)."""
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}}
    # No pre-ping (a round trip on every checkout): a connection broken by a database restart
    # raises a disconnect error, SQLAlchemy then invalidates the whole pool, the request gets
    # a 503 and the next one reconnects. The pool is sized for a voice worker's bursts.
    return {"pool_pre_ping": False, "pool_size": 20, "max_overflow": 20, "pool_recycle": 1800}


def sync_engine(url: str, **options: Any) -> sa.Engine:
    """A blocking engine for `url` (psycopg 3 for PostgreSQL), with `engine_options` (`options`
    replace them) and, on SQLite, the services' PRAGMAs (WAL, busy timeout, foreign keys)."""
    engine = sa.create_engine(sync_url(url), **(engine_options(url) | options))
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", configure_sqlite)
    return engine


def first_row(session: so.Session, statement: sa.Executable, params: Mapping[str, Any]) -> Any:
    """The first row `statement` returns in the session's transaction, or None (also for a
    statement that returns no rows). Core execution: SQLAlchemy's compiled cache serves it."""
    result = session.connection().execute(statement, params)
    return result.first() if result.returns_rows else None


def all_rows(
    session: so.Session, statement: sa.Executable, params: Mapping[str, Any]
) -> Sequence[Any]:
    """Every row `statement` returns in the session's transaction."""
    return session.connection().execute(statement, params).all()
