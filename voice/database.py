"""The voice service's async engine on the same database and models as the API."""

from __future__ import annotations

from typing import cast

import sqlalchemy as sa
from quart import g
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from shared.core.config import Config
from shared.core.db import async_url, configure_sqlite, engine_options
from voice.deps import sessions


def create_engine(config: Config) -> AsyncEngine:
    """An aiosqlite / asyncpg engine for DATABASE_URL, with the API's SQLite PRAGMAs."""
    engine = create_async_engine(
        async_url(config.database_url), **engine_options(config.database_url)
    )
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine.sync_engine, "connect", configure_sqlite)
    return engine


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # Objects stay usable after commit: a turn commits before every upstream call so it holds
    # no connection while waiting, then keeps working with the chat it loaded.
    return async_sessionmaker(engine, expire_on_commit=False)


def db() -> AsyncSession:
    """The request's session, opened on first use and closed when the request ends."""
    if "db_session" not in g:
        g.db_session = sessions()()
    return cast(AsyncSession, g.db_session)


async def close_request_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        await session.close()
