"""The 0006_usage migration adds the usage ledger without touching existing rows, and a
deleted account's ledger rows stay (budgets and reports are never refunded)."""

from __future__ import annotations

import sqlalchemy as sa

from shared.core.db import configure_sqlite, sync_engine, sync_url
from tests.migrations.test_migrations import migrate, scratch_url, seed, snapshot

__all__ = ["scratch_url"]  # the fixture, used by name
BEFORE = "0005_chat_ux"


def test_usage_migration_keeps_rows_and_adds_the_ledger(scratch_url: str) -> None:
    migrate(scratch_url, BEFORE)
    engine = sync_engine(scratch_url)  # on SQLite with foreign keys on, as the services run
    with engine.begin() as connection:
        user_id = seed(connection)
        before = snapshot(connection)
    migrate(scratch_url, "0006_usage")
    with engine.begin() as connection:
        assert snapshot(connection) == before
        connection.execute(
            sa.text(
                "INSERT INTO usage_events (user_id, kind, prompt_tokens, completion_tokens, "
                "created_at) VALUES (:user, 'llm', 5, 7, CURRENT_TIMESTAMP)"
            ),
            {"user": user_id},
        )
        connection.execute(sa.text("DELETE FROM chats"))
        connection.execute(sa.text("DELETE FROM users WHERE id = :id"), {"id": user_id})
        kept = connection.execute(
            sa.text("SELECT user_id, prompt_tokens, completion_tokens, pending FROM usage_events")
        ).all()
        assert [(*row[:3], bool(row[3])) for row in kept] == [(None, 5, 7, False)]
    migrate(scratch_url, BEFORE, down=True)
    assert "usage_events" not in sa.inspect(engine).get_table_names()
    engine.dispose()
