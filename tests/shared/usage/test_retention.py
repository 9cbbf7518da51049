"""`flask --app api purge`: idle guest chats and expired revocations go, nothing else does."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from api.extensions import db
from shared.core.models import Chat, Message, RevokedToken
from shared.usage.retention import purge
from tests.conftest import Headers


def chat_with_message(client: FlaskClient, headers: Headers, new_chat: Callable[..., Any]) -> int:
    chat = new_chat(headers)
    response = client.post(
        f"/api/chats/{chat['id']}/messages", json={"content": "hi"}, headers=headers
    )
    assert response.status_code == 201
    return int(chat["id"])


def age(app: Flask, chat_id: int, days: float) -> None:
    with app.app_context():
        then = datetime.now(UTC) - timedelta(days=days)
        db.session.execute(sa.update(Chat).where(Chat.id == chat_id).values(updated_at=then))
        db.session.commit()


def remaining(app: Flask) -> tuple[set[int], int, set[str]]:
    with app.app_context():
        chats = set(db.session.scalars(sa.select(Chat.id)))
        messages = db.session.scalar(sa.select(sa.func.count(Message.id))) or 0
        revoked = set(db.session.scalars(sa.select(RevokedToken.jti)))
        return chats, messages, revoked


def revoke(app: Flask, jti: str, expires_in: timedelta) -> None:
    with app.app_context():
        db.session.add(RevokedToken(jti=jti, expires_at=datetime.now(UTC) + expires_in))
        db.session.commit()


def test_purge_removes_only_idle_guest_chats_and_expired_revocations(
    app: Flask,
    client: FlaskClient,
    guest: Callable[[], Any],
    auth_headers: Headers,
    new_chat: Callable[..., Any],
) -> None:
    idle_guest = chat_with_message(client, guest()["headers"], new_chat)
    fresh_guest = chat_with_message(client, guest()["headers"], new_chat)
    idle_user = chat_with_message(client, auth_headers, new_chat)
    age(app, idle_guest, 31)
    age(app, fresh_guest, 29)
    age(app, idle_user, 400)
    revoke(app, "expired", -timedelta(minutes=1))
    revoke(app, "live", timedelta(days=1))
    result = app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "Purged 1 guest chats (2 messages) idle over 30 days, 1 expired" in result.output
    assert remaining(app) == ({fresh_guest, idle_user}, 4, {"live"})


def test_purge_honours_the_retention_setting_and_works_in_batches(
    app: Flask, client: FlaskClient, guest: Callable[[], Any], new_chat: Callable[..., Any]
) -> None:
    chats = [chat_with_message(client, guest()["headers"], new_chat) for _ in range(3)]
    for chat_id in chats:
        age(app, chat_id, 8)
    with app.app_context():
        done = purge(db.session, datetime.now(UTC), retention_days=10, batch=1)
        assert (done.guest_chats, done.messages) == (0, 0)
        done = purge(db.session, datetime.now(UTC), retention_days=7, batch=1)
        assert (done.guest_chats, done.messages) == (3, 6)
    assert remaining(app)[0] == set()


def test_purge_keeps_a_guest_chat_that_came_back_to_life(
    app: Flask, client: FlaskClient, guest: Callable[[], Any], new_chat: Callable[..., Any]
) -> None:
    headers = guest()["headers"]
    chat_id = chat_with_message(client, headers, new_chat)
    age(app, chat_id, 40)
    again = client.post(f"/api/chats/{chat_id}/messages", json={"content": "back"}, headers=headers)
    assert again.status_code == 201
    assert app.test_cli_runner().invoke(args=["purge"]).exit_code == 0
    assert remaining(app)[0] == {chat_id}
