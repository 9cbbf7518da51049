"""Tool calls in streamed turns: `tool_call` / `tool_result` events before the text (streamed
upstream), Stop inside a tool call, and a voice turn that speaks only the answer at low
reasoning effort."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from flask import Flask
from quart.typing import TestClientProtocol as VoiceClient

from shared.core.config import Config
from tests.conftest import MakeApp
from tests.fake_openai import Behaviour
from tests.voice.conftest import OpenVoiceChat
from tests.voice.test_streaming import parse_events
from tests.waiting import eventually

NOW = "time__get_current_time"


@pytest.fixture
def app(make_app: MakeApp, tool_servers_file: str) -> Flask:
    return make_app(tool_servers_file=tool_servers_file)


@pytest.fixture
def voice_config(config: Config, tool_servers_file: str) -> Config:
    return config.replace(tool_servers_file=tool_servers_file, tool_timeout=10.0)


def chat_requests(upstream: Behaviour) -> list[dict[str, Any]]:
    return [r["json"] for r in upstream.requests if r["endpoint"] == "chat"]


async def test_streamed_turn_sends_tool_steps_before_the_text(
    open_voice_chat: OpenVoiceChat, voice_client: VoiceClient, upstream: Behaviour
) -> None:
    chat = open_voice_chat(name="Clock", prompt="Tell the time.", tools=[NOW])
    upstream.tool_calls = [{"name": NOW, "arguments": {"timezone": "Asia/Tokyo"}}]
    upstream.reply = "It is morning in Tokyo."
    response = await voice_client.post(
        f"/voice/chats/{chat.id}/messages/stream", headers=chat.headers, json={"content": "time?"}
    )
    events = parse_events((await response.get_data()).decode())
    names = [name for name, _ in events]
    assert names[:2] == ["tool_call", "tool_result"] and names[-1] == "done"
    assert events[0][1] == {
        "id": "call_0_0",
        "name": NOW,
        "arguments": {"timezone": "Asia/Tokyo"},
    }
    assert events[1][1]["status"] == "ok" and "Asia/Tokyo" in events[1][1]["result"]
    text = "".join(data["content"] for name, data in events if name == "delta")
    assert text == "It is morning in Tokyo."
    (stored_call,) = events[-1][1]["ai_message"]["tool_calls"]
    assert stored_call["status"] == "ok"
    first, second = chat_requests(upstream)
    assert first["stream"] and first["tools"] and second["messages"][-1]["role"] == "tool"
    assert chat.stored()[-1]["tool_calls"] == [stored_call]


async def test_stop_ends_the_turn_inside_a_tool_call(
    open_voice_chat: OpenVoiceChat, voice_client: VoiceClient, upstream: Behaviour
) -> None:
    chat = open_voice_chat(name="Slow", prompt="Wait.", tools=["calc__slow"])
    upstream.tool_calls = [{"name": "calc__slow", "arguments": {"seconds": 8}}]
    streaming = asyncio.create_task(
        voice_client.post(
            f"/voice/chats/{chat.id}/messages/stream", headers=chat.headers, json={"content": "go"}
        )
    )
    reply = await eventually(lambda: pending_reply(chat.stored()))
    await asyncio.sleep(1.0)  # the first round is fast: the slow call is under way
    stop = await voice_client.post(
        f"/voice/chats/{chat.id}/messages/{reply['id']}/stop", headers=chat.headers
    )
    assert stop.status_code == 200
    events = parse_events((await (await streaming).get_data()).decode())
    name, done = events[-1]
    assert name == "done" and done["ai_message"]["status"] == "stopped"
    (call,) = done["ai_message"]["tool_calls"]
    assert call["status"] == "error" and "stopped" in call["result"]
    assert call["duration_ms"] < 8000
    assert len(chat_requests(upstream)) == 1  # no round after the stop


def pending_reply(messages: list[dict[str, Any]]) -> dict[str, Any] | None:
    return next((m for m in messages if m["status"] == "pending"), None)


async def test_voice_turn_speaks_only_the_answer_at_low_effort(
    open_voice_chat: OpenVoiceChat, upstream: Behaviour
) -> None:
    chat = open_voice_chat(name="Clock", prompt="Tell the time.", tools=[NOW])
    upstream.tool_calls = [{"name": NOW, "arguments": {"timezone": "UTC"}}]
    upstream.reply = "It is noon."
    response = await chat.post_audio(extra_headers={"Accept": "text/event-stream"})
    events = parse_events((await response.get_data()).decode())
    names = [name for name, _ in events]
    assert names.index("tool_call") < names.index("tool_result") < names.index("audio")
    spoken = [data["text"] for name, data in events if name == "audio"]
    assert spoken == ["It is noon."]
    speech = [r["json"]["input"] for r in upstream.requests if r["endpoint"] == "speech"]
    assert speech == ["It is noon."]
    first, second = chat_requests(upstream)
    assert first["reasoning_effort"] == "none"  # tools offered to gpt-6: what it requires
    assert "tools" in second  # rounds were left: still offered, so still "none"
    plain = open_voice_chat(chat.login, name="Plain", prompt="Talk.")
    await plain.post_audio(extra_headers={"Accept": "text/event-stream"})
    assert chat_requests(upstream)[-1]["reasoning_effort"] == "low"  # no tools: voice is low
    own = open_voice_chat(chat.login, name="Deep", prompt="Think.", reasoning_effort="high")
    await own.post_audio(extra_headers={"Accept": "text/event-stream"})
    assert chat_requests(upstream)[-1]["reasoning_effort"] == "high"  # the agent's own
