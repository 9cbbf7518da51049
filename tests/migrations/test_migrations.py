"""The 0003 migration keeps every row, adds the account state and stops SQLite reusing ids."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from api import create_app
from shared.core.config import ROOT, Config
from shared.core.db import sync_url
from tests.conftest import TEST_SECRET

BEFORE = "0002_anonymous_and_starter"
MIGRATIONS = str(ROOT / "migrations")


@pytest.fixture
def scratch_url(tmp_path: Path) -> Iterator[str]:
    """An empty database of the backend under test, dropped afterwards."""
    url = os.environ.get("TEST_DATABASE_URL") or ""
    if not url.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
        return
    server = sa.make_url(sync_url(url))
    name = f"{server.database}_migration"
    admin = sa.create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield server.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def migrate(url: str, revision: str, down: bool = False) -> None:
    app = create_app(Config(database_url=url, jwt_secret_key=TEST_SECRET))
    with app.app_context():
        (downgrade if down else upgrade)(directory=MIGRATIONS, revision=revision)
        from api.extensions import db

        db.engine.dispose()


def seed(connection: sa.Connection) -> int:
    now = datetime.now(UTC).replace(tzinfo=None)
    connection.execute(
        sa.text(
            "INSERT INTO users (username, password_hash, is_admin, created_at) "
            "VALUES ('olga', 'h', false, :now)"
        ),
        {"now": now},
    )
    user_id = int(connection.scalar(sa.text("SELECT id FROM users WHERE username = 'olga'")))
    agent_id = connection.scalar(sa.text("SELECT MIN(id) FROM agents"))
    connection.execute(
        sa.text(
            "INSERT INTO chats (agent_id, user_id, title, created_at, updated_at) "
            "VALUES (:agent, :user, 'kept', :now, :now)"
        ),
        {"agent": agent_id, "user": user_id, "now": now},
    )
    return user_id


def snapshot(connection: sa.Connection) -> dict[str, list[tuple[object, ...]]]:
    return {
        "users": [
            tuple(r)
            for r in connection.execute(
                sa.text("SELECT id, username, password_hash, is_admin FROM users ORDER BY id")
            )
        ],
        "agents": [
            tuple(r)
            for r in connection.execute(
                sa.text("SELECT id, name, owner_id, is_public FROM agents ORDER BY id")
            )
        ],
        "chats": [
            tuple(r)
            for r in connection.execute(
                sa.text("SELECT id, agent_id, user_id, title FROM chats ORDER BY id")
            )
        ],
    }


def test_migration_keeps_rows_and_adds_enabled_accounts(scratch_url: str) -> None:
    migrate(scratch_url, BEFORE)
    engine = sa.create_engine(sync_url(scratch_url))
    with engine.begin() as connection:
        seed(connection)
        before = snapshot(connection)
    migrate(scratch_url, "head")
    with engine.begin() as connection:
        assert snapshot(connection) == before
        states = connection.execute(sa.text("SELECT disabled, token_generation FROM users"))
        assert {tuple(row) for row in states} == {(False, 0)}
    migrate(scratch_url, BEFORE, down=True)
    with engine.begin() as connection:
        assert snapshot(connection) == before
    engine.dispose()


def test_migration_ids_of_deleted_users_are_never_reused(scratch_url: str) -> None:
    migrate(scratch_url, "head")
    engine = sa.create_engine(sync_url(scratch_url))
    with engine.begin() as connection:
        olga = seed(connection)
        connection.execute(sa.text("DELETE FROM chats"))
        connection.execute(sa.text("DELETE FROM users WHERE id = :id"), {"id": olga})
        seed(connection)
        again = connection.scalar(sa.text("SELECT id FROM users WHERE username = 'olga'"))
    engine.dispose()
    assert again is not None and again > olga
