"""Streamed text replies as server-sent events: deltas, done, failures and disconnects."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from quart.typing import TestClientProtocol as VoiceClient

from tests.fake_openai import Behaviour, Failure
from tests.voice.conftest import Headers, stored_messages
from tests.waiting import eventually


def parse_events(text: str) -> list[tuple[str, dict[str, Any]]]:
    events = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((fields["event"], json.loads(fields["data"])))
    return events


def stream_path(chat_id: int) -> str:
    return f"/voice/chats/{chat_id}/messages/stream"


async def test_stream_message_deltas_then_done_and_stored(
    voice_client: VoiceClient,
    user_chat: tuple[Headers, dict[str, Any]],
    upstream: Behaviour,
    client: FlaskClient,
) -> None:
    headers, chat = user_chat
    upstream.reply = "Bonjour, ça va très bien aujourd'hui."
    response = await voice_client.post(
        stream_path(chat["id"]), headers=headers, json={"content": "Comment ça va?"}
    )

    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["X-Accel-Buffering"] == "no"
    events = parse_events((await response.get_data()).decode())
    deltas = [data["content"] for name, data in events if name == "delta"]
    assert len(deltas) == 6 and "".join(deltas) == upstream.reply
    name, done = events[-1]
    assert name == "done"
    stored = stored_messages(client, chat["id"], headers)
    assert [(m["message_by"], m["content"]) for m in stored] == [
        ("USER", "Comment ça va?"),
        ("AI", upstream.reply),
    ]
    assert done["user_message"]["id"] == stored[0]["id"]
    assert done["ai_message"] == stored[1]
    sent = next(r["json"] for r in upstream.requests if r["endpoint"] == "chat")
    assert sent["stream"] is True and sent["messages"][-1]["content"] == "Comment ça va?"


async def test_stream_message_as_guest_sends_history(
    voice_client: VoiceClient,
    guest: Callable[[], dict[str, Any]],
    new_chat: Callable[..., dict[str, Any]],
    upstream: Behaviour,
    client: FlaskClient,
) -> None:
    headers = guest()["headers"]
    chat = new_chat(headers)
    for content in ("first", "second"):
        response = await voice_client.post(
            stream_path(chat["id"]), headers=headers, json={"content": content}
        )
        assert parse_events((await response.get_data()).decode())[-1][0] == "done"

    last_request = [r["json"] for r in upstream.requests if r["endpoint"] == "chat"][-1]
    assert [m["content"] for m in last_request["messages"][1:]] == [
        "first",
        "Echo: first",
        "second",
    ]
    assert len(stored_messages(client, chat["id"], headers)) == 4


async def test_stream_message_upstream_fails_midway_keeps_user_message(
    voice_client: VoiceClient,
    user_chat: tuple[Headers, dict[str, Any]],
    upstream: Behaviour,
    client: FlaskClient,
) -> None:
    headers, chat = user_chat
    upstream.reply = "one two three four five six"
    upstream.stream_fail_after = 3
    response = await voice_client.post(
        stream_path(chat["id"]), headers=headers, json={"content": "count for me"}
    )

    events = parse_events((await response.get_data()).decode())
    assert [name for name, _ in events] == ["delta", "delta", "delta", "error"]
    error = events[-1][1]
    stored = stored_messages(client, chat["id"], headers)
    assert [(m["message_by"], m["content"], m["status"]) for m in stored] == [
        ("USER", "count for me", "complete"),
        ("AI", "one two three", "failed"),
    ]
    assert error["code"] == 502 and error["errors"]["stage"] == "llm"
    assert error["errors"]["reason"] == "provider_error"
    assert error["errors"]["user_message_id"] == stored[0]["id"]
    assert error["errors"]["ai_message_id"] == stored[1]["id"]
    upstream.stream_fail_after = None
    retried = client.post(error["errors"]["retry"].split(" ", 1)[1], headers=headers)
    assert retried.status_code == 201
    assert retried.json["ai_message"]["id"] == stored[1]["id"]
    assert retried.json["ai_message"]["content"] == upstream.reply


async def test_stream_message_upstream_refuses_before_first_piece(
    voice_client: VoiceClient,
    user_chat: tuple[Headers, dict[str, Any]],
    upstream: Behaviour,
    client: FlaskClient,
) -> None:
    headers, chat = user_chat
    upstream.fail_next("chat", Failure(429))
    response = await voice_client.post(
        stream_path(chat["id"]), headers=headers, json={"content": "hello"}
    )

    events = parse_events((await response.get_data()).decode())
    assert [name for name, _ in events] == ["error"]
    assert events[0][1]["code"] == 503
    assert events[0][1]["errors"]["reason"] == "provider_unavailable"
    stored = stored_messages(client, chat["id"], headers)
    assert [(m["message_by"], m["status"]) for m in stored] == [
        ("USER", "complete"),
        ("AI", "failed"),
    ]


async def test_stream_message_client_disconnects_reply_finishes_on_server(
    voice_client: VoiceClient,
    user_chat: tuple[Headers, dict[str, Any]],
    upstream: Behaviour,
    client: FlaskClient,
) -> None:
    headers, chat = user_chat
    upstream.reply = " ".join(f"word{i}" for i in range(20))
    upstream.stream_chunk_delay = 0.1
    body = json.dumps({"content": "talk for a while"}).encode()
    async with voice_client.request(
        stream_path(chat["id"]),
        method="POST",
        headers={**headers, "Content-Type": "application/json"},
    ) as connection:
        await connection.send(body)
        await connection.send_complete()
        first = await asyncio.wait_for(connection.receive(), timeout=5)
        assert first.startswith(b"event: delta")
        await connection.disconnect()

    # The question is there at once; the reply is pending, then finishes without the client.
    question, reply = stored_messages(client, chat["id"], headers)
    assert (question["content"], reply["status"]) == ("talk for a while", "pending")

    def finished() -> list[dict[str, Any]] | None:
        stored = stored_messages(client, chat["id"], headers)
        return stored if stored[-1]["status"] != "pending" else None

    question, reply = await eventually(finished)
    assert (reply["status"], reply["content"]) == ("complete", upstream.reply)
    assert reply["usage"]["completion_tokens"] == 20


async def test_stream_message_errors_before_streaming_are_json(
    voice_client: VoiceClient,
    user_chat: tuple[Headers, dict[str, Any]],
    register: Callable[..., dict[str, Any]],
    upstream: Behaviour,
) -> None:
    headers, chat = user_chat
    path = stream_path(chat["id"])
    cases = [
        (await voice_client.post(path, json={"content": "hi"}), 401),
        (
            await voice_client.post(
                path, headers=register("eve")["headers"], json={"content": "x"}
            ),
            404,
        ),
        (await voice_client.post(path, headers=headers, json={"content": "   "}), 422),
        (await voice_client.post(path, headers=headers, json={"content": "x" * 4001}), 422),
        (await voice_client.post(path, headers=headers, json={"text": "hi"}), 422),
    ]

    for response, status in cases:
        assert response.status_code == status
        assert response.mimetype == "application/json"
        body = await response.get_json()
        assert body["code"] == status and body["message"]
    assert "4,000" in (await cases[3][0].get_json())["message"]
    assert upstream.requests == []
