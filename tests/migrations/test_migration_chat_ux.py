"""Migration 0005_chat_ux keeps existing data: empty agent cards, old chats searchable."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy.engine import make_url

from api import create_app
from shared.auth.passwords import hash_password
from shared.core.config import ROOT, Config
from shared.core.db import sync_url
from tests.conftest import TEST_SECRET, bearer

BEFORE = "0002_anonymous_and_starter"


@pytest.fixture
def empty_database_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A database of its own (beside the session's) on the backend under test."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'migration.db'}"
        return
    url = make_url(sync_url(database_url))
    name = f"{url.database}_mig17"
    server = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with server.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


def migrate(app: Flask, revision: str) -> None:
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision=revision)


def store_old_user(url: str, credentials: dict[str, str]) -> None:
    engine = sa.create_engine(sync_url(url))
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO users (username, password_hash, is_admin, created_at) "
                "VALUES (:username, :hash, false, :created)"
            ),
            {
                "username": credentials["username"],
                "hash": hash_password(credentials["password"]),
                "created": datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=5),
            },
        )
    engine.dispose()


def store_old_chat(url: str, username: str) -> None:
    """An agent, a chat and a turn written as they were before 0005 (no card columns)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    engine = sa.create_engine(sync_url(url))
    with engine.begin() as connection:
        owner = connection.scalar(
            sa.text("SELECT id FROM users WHERE username = :u"), {"u": username}
        )
        values = {"owner": owner, "now": now}
        connection.execute(
            sa.text(
                "INSERT INTO agents (name, prompt, owner_id, is_public, created_at, updated_at) "
                "VALUES ('Guide', 'Old private prompt', :owner, true, :now, :now)"
            ),
            values,
        )
        agent = connection.scalar(sa.text("SELECT id FROM agents WHERE name = 'Guide'"))
        connection.execute(
            sa.text(
                "INSERT INTO chats (agent_id, user_id, title, created_at, updated_at) "
                "VALUES (:agent, :owner, 'Old trip', :now, :now)"
            ),
            {**values, "agent": agent},
        )
        chat = connection.scalar(sa.text("SELECT id FROM chats WHERE title = 'Old trip'"))
        for by, content in (("USER", "We visited Lisbon and Évora"), ("AI", "Lovely cities.")):
            connection.execute(
                sa.text(
                    "INSERT INTO messages (chat_id, user_id, message_by, content, created_at) "
                    "VALUES (:chat, :owner, :by, :content, :now)"
                ),
                {**values, "chat": chat, "by": by, "content": content},
            )
    engine.dispose()


def test_migration_keeps_chats_and_makes_them_searchable(empty_database_url: str) -> None:
    app = create_app(Config(database_url=empty_database_url, jwt_secret_key=TEST_SECRET))
    client = app.test_client()
    migrate(app, BEFORE)
    credentials = {"username": "olduser", "password": "old-password"}
    store_old_user(empty_database_url, credentials)  # the old schema: today's models do not fit
    store_old_chat(empty_database_url, "olduser")
    migrate(app, "head")
    headers = bearer(client.post("/api/auth/login", json=credentials).json["access_token"])
    found = client.get("/api/chats", query_string={"q": "evora"}, headers=headers).json
    assert [chat["title"] for chat in found] == ["Old trip"]
    messages = client.get(f"/api/chats/{found[0]['id']}/messages", headers=headers).json
    assert [m["content"] for m in messages] == ["We visited Lisbon and Évora", "Lovely cities."]
    agent = client.get(f"/api/agents/{found[0]['agent_id']}", headers=headers).json
    assert agent["description"] == "" and agent["starters"] == []
    assert agent["prompt"] == "Old private prompt" and agent["avatar_color"] is None
    guest = bearer(client.post("/api/auth/guest").json["access_token"])
    assert client.get(f"/api/agents/{agent['id']}", headers=guest).json["prompt"] is None
    with app.app_context():
        from api.extensions import db

        downgrade(directory=str(ROOT / "migrations"), revision=BEFORE)
        kept = db.session.execute(sa.text("SELECT title FROM chats")).scalars().all()
        assert kept == ["Old trip"]  # the downgrade drops the new columns, not the chats
        db.session.rollback()  # end the read: on PostgreSQL it would block the upgrade's ALTERs
        upgrade(directory=str(ROOT / "migrations"))
        db.session.remove()
        db.engine.dispose()
    again = client.get("/api/chats", query_string={"q": "lisbon"}, headers=headers).json
    assert [chat["title"] for chat in again] == ["Old trip"]
