"""An open stream speaks for its token only while the token stands: disabling the account,
logging out and logging out everywhere end the caller's streams and `/events` followers with
an `error` event (401), while the reply itself is still written and stored complete."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from quart.typing import TestClientProtocol as VoiceClient

from shared.auth.accounts import set_disabled
from tests.api.test_accounts import change_account
from tests.conftest import bearer
from tests.fake_openai import Behaviour
from tests.voice.conftest import Headers
from tests.voice.test_streaming import parse_events, stream_path
from tests.waiting import eventually
from voice import standing

SLOW_REPLY = " ".join(f"word{n}" for n in range(30))


def disable(app: Flask, client: FlaskClient, tokens: dict[str, Any]) -> None:
    change_account(app, tokens["user"]["id"], set_disabled, True)


def log_out(app: Flask, client: FlaskClient, tokens: dict[str, Any]) -> None:
    assert (
        client.post("/api/auth/logout", headers=bearer(tokens["refresh_token"])).status_code == 204
    )


def log_out_everywhere(app: Flask, client: FlaskClient, tokens: dict[str, Any]) -> None:
    assert client.post("/api/auth/logout-all", headers=tokens["headers"]).status_code == 204


Revocation = Callable[[Flask, FlaskClient, dict[str, Any]], None]


@pytest.fixture(autouse=True)
def quick_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(standing, "STANDING_SECONDS", 0.1)


@pytest.fixture
def slow_upstream(upstream: Behaviour) -> Behaviour:
    upstream.reply, upstream.stream_chunk_delay = SLOW_REPLY, 0.1
    return upstream


async def streamed(voice_client: VoiceClient, path: str, headers: Headers, **kwargs: Any) -> str:
    method = voice_client.post if kwargs else voice_client.get
    response = await method(path, headers=headers, **kwargs)
    assert response.status_code == 200
    return (await response.get_data()).decode()


def start_turn(voice_client: VoiceClient, headers: Headers, chat_id: int) -> asyncio.Future[str]:
    """A streamed text turn, read to its end in the background."""
    turn = streamed(voice_client, stream_path(chat_id), headers, json={"content": "hi"})
    return asyncio.ensure_future(turn)


def stored_reply(client: FlaskClient, chat_id: int, headers: Headers) -> dict[str, Any]:
    messages = client.get(f"/api/chats/{chat_id}/messages", headers=headers).json
    return dict(messages[-1])


@pytest.mark.parametrize("revoke", [disable, log_out, log_out_everywhere])
async def test_a_revoked_callers_stream_ends_with_an_error(
    revoke: Revocation,
    app: Flask,
    client: FlaskClient,
    voice_client: VoiceClient,
    register: Callable[..., dict[str, Any]],
    new_chat: Callable[..., dict[str, Any]],
    slow_upstream: Behaviour,
) -> None:
    tokens = register("rhea", "pass-word-1")
    chat = new_chat(tokens["headers"])
    stream = start_turn(voice_client, tokens["headers"], chat["id"])
    await asyncio.sleep(0.5)  # some deltas out
    revoke(app, client, tokens)

    events = parse_events(await stream)
    name, data = events[-1]
    assert name == "error" and data["code"] == 401
    deltas = [data for name, data in events if name == "delta"]
    assert 0 < len(deltas) < len(SLOW_REPLY.split())  # cut short, not run to the end
    assert all(name == "delta" for name, _ in events[:-1])


async def test_a_revoked_callers_events_follower_ends_and_the_reply_is_still_stored(
    app: Flask,
    client: FlaskClient,
    voice_client: VoiceClient,
    register: Callable[..., dict[str, Any]],
    new_chat: Callable[..., dict[str, Any]],
    slow_upstream: Behaviour,
) -> None:
    owner = register("sami", "pass-word-1")
    chat = new_chat(owner["headers"])
    first = start_turn(voice_client, owner["headers"], chat["id"])
    await asyncio.sleep(0.3)
    reply_id = stored_reply(client, chat["id"], owner["headers"])["id"]
    second_login = client.post(
        "/api/auth/login", json={"username": "sami", "password": "pass-word-1"}
    )
    other = {"Authorization": f"Bearer {second_login.json['access_token']}"}
    events_path = f"/voice/chats/{chat['id']}/messages/{reply_id}/events"
    follower = asyncio.ensure_future(streamed(voice_client, events_path, other))
    await asyncio.sleep(0.3)
    log_out_everywhere(app, client, owner)

    for ended in (await first, await follower):
        assert parse_events(ended)[-1][0] == "error"
    relogin = client.post("/api/auth/login", json={"username": "sami", "password": "pass-word-1"})
    headers = bearer(relogin.json["access_token"])
    await eventually(lambda: stored_reply(client, chat["id"], headers)["status"] == "complete")
    assert stored_reply(client, chat["id"], headers)["content"] == SLOW_REPLY


async def test_another_login_ending_leaves_the_stream_running_to_done(
    client: FlaskClient,
    voice_client: VoiceClient,
    register: Callable[..., dict[str, Any]],
    new_chat: Callable[..., dict[str, Any]],
    slow_upstream: Behaviour,
) -> None:
    tokens = register("tova", "pass-word-1")
    other_login = client.post(
        "/api/auth/login", json={"username": "tova", "password": "pass-word-1"}
    )
    chat = new_chat(tokens["headers"])
    stream = start_turn(voice_client, tokens["headers"], chat["id"])
    await asyncio.sleep(0.5)
    assert (
        client.post(
            "/api/auth/logout", headers=bearer(other_login.json["refresh_token"])
        ).status_code
        == 204
    )

    events = parse_events(await stream)
    assert events[-1][0] == "done"
    assert "".join(data["content"] for name, data in events if name == "delta") == SLOW_REPLY


async def test_a_stream_waiting_upstream_still_ends_when_its_token_is_revoked(
    app: Flask,
    client: FlaskClient,
    voice_client: VoiceClient,
    register: Callable[..., dict[str, Any]],
    new_chat: Callable[..., dict[str, Any]],
    upstream: Behaviour,
) -> None:
    upstream.reply, upstream.stream_first_chunk_delay = "late words", 3.0
    tokens = register("umar", "pass-word-1")
    chat = new_chat(tokens["headers"])
    stream = start_turn(voice_client, tokens["headers"], chat["id"])
    await asyncio.sleep(0.3)
    log_out_everywhere(app, client, tokens)

    events = parse_events(await stream)
    assert [name for name, _ in events] == ["error"]
    refused = client.get("/api/auth/me", headers=tokens["headers"])
    assert events[0][1] == refused.json  # what any request of that token is told now
