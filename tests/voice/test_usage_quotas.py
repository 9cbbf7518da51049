"""The voice service records usage (stream tokens, speech seconds and characters), applies
the same budgets as the API, refuses disabled accounts at once and serves /metrics; turns
running at once in two workers overshoot a budget by at most one turn per worker."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from quart.typing import TestClientProtocol as VoiceClient

from api import create_app as create_api
from shared.core.config import Config
from tests.api.test_admin import make_admin
from tests.api.test_metrics import sample
from tests.api.test_quotas import budget
from tests.conftest import Headers
from tests.fake_openai import Behaviour
from tests.voice.audio import recording
from tests.voice.conftest import ServeVoice, VoiceChat, upload
from tests.voice.test_streaming import parse_events, stream_path


async def stream(voice_client: VoiceClient, chat_id: int, headers: Headers, text: str) -> Any:
    response = await voice_client.post(
        stream_path(chat_id), headers=headers, json={"content": text}
    )
    body = (await response.get_data()).decode()
    return response, body


def admin_login(app: Flask, client: FlaskClient, register: Callable[..., Any]) -> Headers:
    register("root", "root-password")
    make_admin(app, "root")
    login = client.post("/api/auth/login", json={"username": "root", "password": "root-password"})
    assert login.status_code == 200
    return {"Authorization": f"Bearer {login.json['access_token']}"}


def usage_by_model(
    app: Flask, client: FlaskClient, register: Callable[..., Any]
) -> dict[str, dict[str, Any]]:
    """The usage totals by model, as a newly made admin reads them."""
    totals = client.get(
        "/api/admin/usage?group_by=model", headers=admin_login(app, client, register)
    )
    assert totals.status_code == 200
    return {row["key"]: row for row in totals.json}


async def test_stream_turn_charges_the_tokens_the_provider_reported(
    voice_client: VoiceClient,
    client: FlaskClient,
    guest_headers: Headers,
    new_chat: Callable[..., Any],
    upstream: Behaviour,
) -> None:
    upstream.reply = "four words of reply"
    response, body = await stream(voice_client, new_chat(guest_headers)["id"], guest_headers, "a b")
    assert response.status_code == 200 and parse_events(body)[-1][0] == "done"
    sent = next(r["json"] for r in upstream.requests if r["endpoint"] == "chat")
    assert sent["stream_options"] == {"include_usage": True}
    prompt = sum(len(m["content"].split()) for m in sent["messages"])
    assert budget(client, guest_headers, "guest")["used"] == prompt + 4


async def test_voice_turn_records_tokens_speech_seconds_and_characters(
    app: Flask,
    client: FlaskClient,
    register: Callable[..., Any],
    voice_chat: VoiceChat,
    upstream: Behaviour,
) -> None:
    upstream.reply = "spoken back to you"
    response = await voice_chat.post_audio()
    assert response.status_code == 201
    by_model = usage_by_model(app, client, register)
    chat_model, stt_model, tts_model = (
        Config().openai_chat_model,
        Config().openai_stt_model,
        Config().openai_tts_model,
    )
    assert by_model[chat_model]["llm_calls"] == 1 and by_model[chat_model]["tokens"] > 4
    assert 0.4 <= by_model[stt_model]["speech_seconds"] <= 1.0  # the test tone lasts 0.6 s
    assert by_model[tts_model]["speech_characters"] == len(upstream.reply)


async def test_guest_over_budget_is_refused_before_anything_is_spent(
    serve_voice: ServeVoice, guest_chat: tuple[Headers, dict[str, Any]], upstream: Behaviour
) -> None:
    headers, chat = guest_chat
    async with serve_voice(quota_guest_tokens_per_day=1) as voice_client:
        first, _ = await stream(voice_client, chat["id"], headers, "one two three")
        assert first.status_code == 200
        refused, _ = await stream(voice_client, chat["id"], headers, "more")
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
        envelope = await refused.get_json()
        assert envelope["errors"]["reason"] == "quota" and "guests" in envelope["message"]
        calls = len(upstream.requests)
        spoken = await voice_client.post(
            f"/voice/chats/{chat['id']}/messages",
            headers=headers,
            files={"audio": upload(recording())},
        )
        assert spoken.status_code == 429
        assert len(upstream.requests) == calls  # not even transcribed


async def test_disabled_account_is_refused_by_voice_at_once(
    app: Flask,
    client: FlaskClient,
    voice_client: VoiceClient,
    register: Callable[..., Any],
    new_chat: Callable[..., Any],
) -> None:
    user = register("gina", "pass-word-1")
    chat = new_chat(user["headers"])
    assert (await stream(voice_client, chat["id"], user["headers"], "hi"))[0].status_code == 200
    admin = admin_login(app, client, register)
    patched = client.patch(
        f"/api/admin/users/{user['user']['id']}", json={"disabled": True}, headers=admin
    )
    assert patched.status_code == 200
    assert (await stream(voice_client, chat["id"], user["headers"], "hi"))[0].status_code == 401
    assert client.get("/api/auth/me", headers=user["headers"]).status_code == 401


async def test_voice_metrics_count_requests_and_streams_end(
    voice_client: VoiceClient, guest_headers: Headers, new_chat: Callable[..., Any]
) -> None:
    async def scrape() -> str:
        loopback = {"client": ("127.0.0.1", 40000)}
        response = await voice_client.get("/metrics", scope_base=loopback)
        assert response.status_code == 200
        hidden = await voice_client.get("/metrics")  # no client address: not on the allow-list
        assert hidden.status_code == 404
        return (await response.get_data()).decode()

    route = {
        "service": "voice",
        "route": "/voice/chats/<int(min=1, max=2147483647):chat_id>/messages/stream",
    }
    before = await scrape()
    response, _ = await stream(voice_client, new_chat(guest_headers)["id"], guest_headers, "hi")
    assert response.status_code == 200
    after = await scrape()
    name = "chatbot_http_requests_total"
    assert (
        sample(after, name, status="200", **route)
        == sample(before, name, status="200", **route) + 1
    )
    assert sample(after, "chatbot_active_streams") == 0


async def test_concurrent_turns_in_two_workers_overshoot_by_at_most_one_turn_each(
    config: Config,
    serve_voice: ServeVoice,
    client: FlaskClient,
    guest: Callable[[], Any],
    new_chat: Callable[..., Any],
    upstream: Behaviour,
) -> None:
    upstream.reply = "short reply"
    probe = guest()["headers"]
    assert (
        client.post(
            f"/api/chats/{new_chat(probe)['id']}/messages", json={"content": "go"}, headers=probe
        ).status_code
        == 201
    )
    turn = budget(client, probe, "guest")["used"]  # every turn below costs exactly this
    limit = 3 * turn
    limited = config.replace(quota_guest_tokens_per_day=limit)
    api_client = create_api(limited).test_client()
    headers = guest()["headers"]
    chats = [new_chat(headers)["id"] for _ in range(9)]
    warm = api_client.post(
        f"/api/chats/{chats[0]}/messages", json={"content": "go"}, headers=headers
    )
    assert warm.status_code == 201
    upstream.latency = 0.3  # every admitted turn is still running when the others check
    async with serve_voice(limited) as voice_client:

        def api_turn(chat_id: int) -> int:
            path = f"/api/chats/{chat_id}/messages"
            return api_client.post(path, json={"content": "go"}, headers=headers).status_code

        async def voice_turn(chat_id: int) -> int:
            return int((await stream(voice_client, chat_id, headers, "go"))[0].status_code)

        statuses = await asyncio.gather(
            *(asyncio.to_thread(api_turn, chat_id) for chat_id in chats[1:5]),
            *(voice_turn(chat_id) for chat_id in chats[5:]),
        )
    answered = sum(status in (200, 201) for status in statuses)
    assert set(statuses) <= {200, 201, 429} and 429 in statuses
    used = budget(client, headers, "guest")["used"]
    assert used == turn * (1 + answered)
    assert limit <= used <= limit + 2 * turn  # two workers: at most one extra turn each
