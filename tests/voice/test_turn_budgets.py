"""Budgets where the voice service's engine finishes a reply: a stopped reply is charged what
it used, a reply finished after its client left is charged its real usage, and streamed
regenerate, edit and voice turns are refused before anything is spent."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
from flask import Flask
from flask.testing import FlaskClient
from quart.typing import TestClientProtocol as VoiceClient

from shared.core.config import Config
from tests.api.test_quotas import budget
from tests.fake_openai import Behaviour
from tests.voice.audio import recording
from tests.voice.conftest import Headers, ServeVoice, VoiceChat, stored_messages, upload
from tests.voice.test_streaming import parse_events, stream_path
from tests.voice.test_usage_quotas import stream, usage_by_model
from tests.voice.workers import read_events, worker_here
from tests.waiting import eventually

REPLY = " ".join(f"word{index}" for index in range(20))


def sent_messages(upstream: Behaviour) -> list[dict[str, Any]]:
    return list([r["json"] for r in upstream.requests if r["endpoint"] == "chat"][-1]["messages"])


def estimated(chars: int) -> int:
    return -(-chars // 4)  # four characters a token, rounded up


async def test_a_stopped_reply_is_charged_what_it_used(
    config: Config,
    user_chat: tuple[Headers, dict[str, Any]],
    upstream: Behaviour,
    client: FlaskClient,
) -> None:
    headers, chat = user_chat
    upstream.reply, upstream.stream_chunk_delay = REPLY, 0.12
    async with worker_here(config) as worker, httpx.AsyncClient(timeout=30) as http:
        url = worker + stream_path(chat["id"])
        async with http.stream("POST", url, json={"content": "go"}, headers=headers) as response:
            reply_id = int(response.headers["X-AI-Message-Id"])
            events = read_events(response)
            assert (await anext(events))[0] == "delta"
            path = f"/voice/chats/{chat['id']}/messages/{reply_id}/stop"
            assert (await http.post(worker + path, headers=headers)).status_code == 200
            done = [event async for event in events][-1][1]["ai_message"]
    assert done["status"] == "stopped" and done["content"] != REPLY
    # The upstream reports usage only at the end of a stream: the cut-off reply is estimated.
    assert done["usage"]["completion_tokens"] is None
    prompt_chars = sum(len(m["content"]) for m in sent_messages(upstream))
    expected = estimated(prompt_chars) + estimated(len(done["content"]))
    assert budget(client, headers, "user")["used"] == expected


async def test_a_reply_finished_after_its_client_left_is_charged_its_real_usage(
    voice_client: VoiceClient,
    user_chat: tuple[Headers, dict[str, Any]],
    upstream: Behaviour,
    client: FlaskClient,
) -> None:
    headers, chat = user_chat
    upstream.reply, upstream.stream_chunk_delay = REPLY, 0.1
    async with voice_client.request(
        stream_path(chat["id"]),
        method="POST",
        headers={**headers, "Content-Type": "application/json"},
    ) as connection:
        await connection.send(json.dumps({"content": "talk for a while"}).encode())
        await connection.send_complete()
        assert (await connection.receive()).startswith(b"event: delta")
        await connection.disconnect()

    def finished() -> dict[str, Any] | None:
        reply = stored_messages(client, chat["id"], headers)[-1]
        return reply if reply["status"] != "pending" else None

    reply = await eventually(finished)
    assert (reply["status"], reply["usage"]["completion_tokens"]) == ("complete", 20)
    prompt = sum(len(m["content"].split()) for m in sent_messages(upstream))
    assert reply["usage"]["prompt_tokens"] == prompt
    assert budget(client, headers, "user")["used"] == prompt + 20


async def test_streamed_regenerate_edit_and_voice_turns_are_refused_over_budget(
    serve_voice: ServeVoice,
    guest_chat: tuple[Headers, dict[str, Any]],
    upstream: Behaviour,
    client: FlaskClient,
) -> None:
    headers, chat = guest_chat
    async with serve_voice(quota_guest_tokens_per_day=1) as voice:
        assert (await stream(voice, chat["id"], headers, "one two"))[0].status_code == 200
        question, reply = stored_messages(client, chat["id"], headers)
        calls = len(upstream.requests)
        base = f"/voice/chats/{chat['id']}/messages"
        refused = [
            await voice.post(f"{base}/{reply['id']}/regenerate", headers=headers),
            await voice.post(
                f"{base}/{question['id']}/edit", headers=headers, json={"content": "x"}
            ),
            await voice.post(
                base,
                headers={**headers, "Accept": "text/event-stream"},
                files={"audio": upload(recording())},
            ),
        ]
        for response in refused:
            assert response.status_code == 429
            assert (await response.get_json())["errors"]["reason"] == "quota"
    assert len(upstream.requests) == calls  # nothing generated, nothing transcribed
    stored = stored_messages(client, chat["id"], headers)
    assert [m["version_count"] for m in stored] == [1, 1]


async def test_streamed_voice_turn_records_tokens_seconds_heard_and_characters_spoken(
    app: Flask,
    client: FlaskClient,
    register: Callable[..., Any],
    voice_chat: VoiceChat,
    upstream: Behaviour,
) -> None:
    upstream.reply = "First sentence here. And a second one."
    response = await voice_chat.post_audio(extra_headers={"Accept": "text/event-stream"})
    assert response.status_code == 200
    assert parse_events((await response.get_data()).decode())[-1][0] == "done"
    by_model = usage_by_model(app, client, register)
    assert by_model[Config().openai_chat_model]["llm_calls"] == 1
    assert 0.4 <= by_model[Config().openai_stt_model]["speech_seconds"] <= 1.0  # a 0.6 s tone
    assert by_model[Config().openai_tts_model]["speech_characters"] == len(upstream.reply) - 1
