"""Streamed turns check the caller's token inside the chat's locking statement
(shared/auth/standing.py): a logged-out or disabled token is refused on the next request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import bearer
from tests.fake_openai import Behaviour
from tests.voice.conftest import VoiceClient, stored_messages


def stream_paths(chat_id: int, question: int, reply: int) -> list[tuple[str, dict[str, str]]]:
    base = f"/voice/chats/{chat_id}/messages"
    return [
        (f"{base}/stream", {"content": "still there?"}),
        (f"{base}/{reply}/regenerate", {}),
        (f"{base}/{question}/edit", {"content": "edited"}),
    ]


@pytest.mark.parametrize("which", [0, 1, 2])
async def test_a_streamed_turn_with_a_logged_out_token_is_refused(
    voice_client: VoiceClient,
    client: FlaskClient,
    register: Callable[..., dict[str, Any]],
    new_chat: Callable[..., dict[str, Any]],
    upstream: Behaviour,
    which: int,
) -> None:
    alice = register()
    chat = new_chat(alice["headers"])
    sent = client.post(
        f"/api/chats/{chat['id']}/messages", json={"content": "hi"}, headers=alice["headers"]
    )
    question, reply = sent.json["user_message"]["id"], sent.json["ai_message"]["id"]
    assert client.post("/api/auth/logout", headers=alice["headers"]).status_code == 204
    asked = len(upstream.requests)
    path, body = stream_paths(chat["id"], question, reply)[which]
    response = await voice_client.post(path, headers=alice["headers"], json=body)
    assert response.status_code == 401
    assert (await response.get_json())["message"] == "The token has been revoked."
    assert len(upstream.requests) == asked
    login = client.post("/api/auth/login", json={"username": "alice", "password": "correct horse"})
    assert len(stored_messages(client, chat["id"], bearer(login.json["access_token"]))) == 2


async def test_a_streamed_turn_in_someone_elses_chat_is_not_found(
    voice_client: VoiceClient,
    register: Callable[..., dict[str, Any]],
    new_chat: Callable[..., dict[str, Any]],
) -> None:
    chat = new_chat(register()["headers"])
    response = await voice_client.post(
        f"/voice/chats/{chat['id']}/messages/stream",
        headers=register("bob")["headers"],
        json={"content": "hi"},
    )
    assert response.status_code == 404
    assert (await response.get_json())["errors"]["reason"] == "not_found"
