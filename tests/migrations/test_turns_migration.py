"""Migration 0004_turns moves existing chats to the turn tree without losing anything."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from api import create_app
from shared.core.config import ROOT, Config
from shared.core.db import sync_url
from tests.conftest import TEST_SECRET

MIGRATIONS = str(ROOT / "migrations")
BEFORE = "0002_anonymous_and_starter"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def empty_url(tmp_path: Path) -> Iterator[str]:
    """A database of its own (the suite's one is already at head)."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base or not base.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'migration.db'}"
        return
    name = sa.make_url(sync_url(base)).database + "_migration"
    admin = sa.create_engine(sync_url(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield sync_url(base).rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def at(seconds: int) -> str:
    return (T0 + timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S")


def seed_old_chats(engine: sa.Engine) -> None:
    """Two chats in the old shape; chat 1's rows are inserted out of chronological order."""
    with engine.begin() as connection:
        user_id, agent_id = connection.execute(
            sa.text("SELECT owner_id, id FROM agents ORDER BY id LIMIT 1")
        ).one()
        for chat_id in (1, 2):
            connection.execute(
                sa.text(
                    "INSERT INTO chats (id, agent_id, user_id, title, created_at, updated_at) "
                    "VALUES (:id, :agent, :user, 'old', :at, :at)"
                ),
                {"id": chat_id, "agent": agent_id, "user": user_id, "at": at(0)},
            )
        rows = [(10, 1, "USER", "second?", 20), (11, 1, "USER", "first?", 10),
                (12, 1, "AI", "answer", 30), (13, 2, "USER", "alone", 5)]  # fmt: skip
        for message_id, chat_id, by, content, second in rows:
            connection.execute(
                sa.text(
                    "INSERT INTO messages (id, chat_id, user_id, message_by, content, created_at)"
                    " VALUES (:id, :chat, :user, :by, :content, :at)"
                ),
                {
                    "id": message_id,
                    "chat": chat_id,
                    "user": user_id,
                    "by": by,
                    "content": content,
                    "at": at(second),
                },
            )


def test_upgrade_turns_existing_chats_into_one_branch_and_back(empty_url: str) -> None:
    app = create_app(Config(database_url=empty_url, jwt_secret_key=TEST_SECRET))
    engine = sa.create_engine(sync_url(empty_url))
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision=BEFORE)
        seed_old_chats(engine)
        upgrade(directory=MIGRATIONS, revision="0004_turns")
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT id, parent_id, status, version, version_count, selected, content "
                    "FROM messages ORDER BY id"
                )
            ).all()
        assert [tuple(row) for row in rows] == [
            (10, 11, "complete", 1, 1, True, "second?"),
            (11, None, "complete", 1, 1, True, "first?"),
            (12, 10, "complete", 1, 1, True, "answer"),
            (13, None, "complete", 1, 1, True, "alone"),
        ]
        downgrade(directory=MIGRATIONS, revision=BEFORE)
        with engine.connect() as connection:
            kept = connection.execute(sa.text("SELECT id, content FROM messages ORDER BY id"))
            assert [tuple(row) for row in kept] == [
                (10, "second?"), (11, "first?"), (12, "answer"), (13, "alone")
            ]  # fmt: skip
    engine.dispose()
    with app.app_context():
        from api.extensions import db

        db.engine.dispose()
