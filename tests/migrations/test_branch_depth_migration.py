"""The 0012_branch_depth migration gives every existing message its depth in the turn tree (a
first message 1, each other its parent's + 1), across versions and chats, keeps every row, and
goes back down cleanly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from shared.core.db import configure_sqlite, sync_engine, sync_url
from tests.migrations.test_migrations import migrate, scratch_url, seed

__all__ = ["scratch_url"]  # the fixture, used by name
BEFORE = "0011_embeddings"
T0 = datetime(2026, 1, 1, tzinfo=UTC).replace(tzinfo=None)

# (id, parent, selected): chat 1 has an edited first question (two roots) and a regenerated
# reply; the second chat is one plain branch. Ids are not in tree order.
TREE_1 = [
    (10, None, False), (11, 10, False), (12, 11, False),  # the first version of the start
    (20, None, True), (13, 20, True), (30, 13, False), (31, 13, True),  # edited, regenerated
    (14, 31, True), (15, 14, True), (32, 30, False),
]  # fmt: skip
TREE_2 = [(40, None, True), (41, 40, True), (42, 41, True)]
DEPTHS = {10: 1, 11: 2, 12: 3, 20: 1, 13: 2, 30: 3, 31: 3, 14: 4, 15: 5, 32: 4,
          40: 1, 41: 2, 42: 3}  # fmt: skip


def seed_trees(connection: sa.Connection) -> None:
    user_id = seed(connection)
    first = connection.scalar(sa.text("SELECT MIN(id) FROM chats"))
    connection.execute(
        sa.text(
            "INSERT INTO chats (agent_id, user_id, title, created_at, updated_at) "
            "SELECT agent_id, user_id, 'second', created_at, updated_at FROM chats"
        )
    )
    second = connection.scalar(sa.text("SELECT MAX(id) FROM chats"))
    for chat_id, tree in ((first, TREE_1), (second, TREE_2)):
        for message_id, parent_id, selected in tree:
            connection.execute(
                sa.text(
                    "INSERT INTO messages (id, chat_id, user_id, message_by, content, created_at,"
                    " parent_id, selected) VALUES (:id, :chat, :user, 'USER', :content, :at,"
                    " :parent, :selected)"
                ),
                {
                    "id": message_id,
                    "chat": chat_id,
                    "user": user_id,
                    "content": f"m{message_id}",
                    "at": T0 + timedelta(seconds=message_id),
                    "parent": parent_id,
                    "selected": selected,
                },
            )


def triggers(connection: sa.Connection) -> list[str]:
    """SQLite's search triggers (see 0005_chat_ux): a table copy would lose them."""
    if connection.dialect.name != "sqlite":
        return []
    query = "SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
    return list(connection.execute(sa.text(query)).scalars())


def rows(connection: sa.Connection) -> list[tuple[object, ...]]:
    query = "SELECT id, chat_id, parent_id, selected, content FROM messages ORDER BY id"
    return [tuple(row) for row in connection.execute(sa.text(query))]


def test_branch_depth_migration_backfills_every_message(scratch_url: str) -> None:
    migrate(scratch_url, BEFORE)
    engine = sync_engine(scratch_url)  # on SQLite with foreign keys on, as the services run
    with engine.begin() as connection:
        seed_trees(connection)
        before, searched = rows(connection), triggers(connection)
    assert searched or engine.dialect.name != "sqlite"
    migrate(scratch_url, "0012_branch_depth")
    with engine.begin() as connection:
        assert rows(connection) == before
        assert triggers(connection) == searched
        depths = connection.execute(sa.text("SELECT id, depth FROM messages")).all()
        assert dict(tuple(row) for row in depths) == DEPTHS
        # Each chat's shown branch is as long as its tip is deep.
        tips = connection.execute(
            sa.text(
                "SELECT chat_id, COUNT(*), MAX(depth) FROM messages WHERE selected GROUP BY chat_id"
            )
        ).all()
        assert sorted((count, deepest) for _, count, deepest in tips) == [(3, 3), (5, 5)]
    columns = {column["name"]: column for column in sa.inspect(engine).get_columns("messages")}
    assert columns["depth"]["nullable"] is False
    if engine.dialect.name == "postgresql":  # a writer that forgets the depth is refused
        assert columns["depth"]["default"] is None
    migrate(scratch_url, BEFORE, down=True)
    columns = {column["name"]: column for column in sa.inspect(engine).get_columns("messages")}
    assert "depth" not in columns and "parent_id" in columns
    with engine.begin() as connection:
        assert rows(connection) == before
        assert triggers(connection) == searched
    engine.dispose()
