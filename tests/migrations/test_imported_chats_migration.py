"""The 0008_imported_chats migration marks no existing chat as imported, keeps every row, and
goes back down cleanly."""

from __future__ import annotations

import sqlalchemy as sa

from shared.core.db import configure_sqlite, sync_engine, sync_url
from tests.migrations.test_migrations import migrate, scratch_url, seed, snapshot

__all__ = ["scratch_url"]  # the fixture, used by name
BEFORE = "0007_usage_hours"


def test_imported_chats_migration_keeps_chats_unmarked(scratch_url: str) -> None:
    migrate(scratch_url, BEFORE)
    engine = sync_engine(scratch_url)  # on SQLite with foreign keys on, as the services run
    with engine.begin() as connection:
        seed(connection)
        before = snapshot(connection)
    migrate(scratch_url, "0008_imported_chats")
    with engine.begin() as connection:
        assert snapshot(connection) == before
        assert connection.execute(sa.text("SELECT imported_at FROM chats")).scalars().all() == [
            None
        ]
    migrate(scratch_url, BEFORE, down=True)
    columns = {column["name"] for column in sa.inspect(engine).get_columns("chats")}
    assert "imported_at" not in columns and "title" in columns
    with engine.begin() as connection:
        assert snapshot(connection) == before
    engine.dispose()
