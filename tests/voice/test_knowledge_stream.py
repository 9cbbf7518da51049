"""A streamed turn with an agent that has files: the reference block goes upstream and the
done event's reply carries the sources, as stored."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from quart.typing import TestClientProtocol as VoiceClient

from tests.api.test_agents import create_agent
from tests.api.test_knowledge_files import drain, upload
from tests.conftest import Headers, MakeApp
from tests.fake_openai import Behaviour
from tests.voice.conftest import stored_messages
from tests.voice.test_streaming import parse_events, stream_path

NEEDLE = "The emergency shutoff valve is painted teal and sits behind panel Q7."


@pytest.fixture
def app(make_app: MakeApp, tmp_path: Path) -> Flask:
    return make_app(knowledge_queue_path=str(tmp_path / "queue.db"))


async def test_streamed_turn_answers_from_files(
    voice_client: VoiceClient,
    client: FlaskClient,
    app: Flask,
    auth_headers: Headers,
    upstream: Behaviour,
) -> None:
    agent = create_agent(client, auth_headers)
    assert upload(client, auth_headers, agent["id"], NEEDLE.encode()).status_code == 202
    drain(app)
    chat = client.post(f"/api/agents/{agent['id']}/chats", json={}, headers=auth_headers).json
    response = await voice_client.post(
        stream_path(chat["id"]), headers=auth_headers, json={"content": "Where is the valve?"}
    )
    events = parse_events((await response.get_data()).decode())
    name, done = events[-1]
    assert name == "done", events[-3:]
    sources = done["ai_message"]["sources"]
    assert sources and "teal" in sources[0]["snippet"]
    assert stored_messages(client, chat["id"], auth_headers)[-1]["sources"] == sources
    sent = next(r["json"] for r in upstream.requests if r["endpoint"] == "chat")
    assert any(NEEDLE in m["content"] for m in sent["messages"][1:-1])


async def test_streamed_turn_finds_a_passage_by_meaning(
    voice_client: VoiceClient,
    client: FlaskClient,
    app: Flask,
    auth_headers: Headers,
    upstream: Behaviour,
) -> None:
    """The question's embedding is awaited on the voice service's loop (never blocking it)."""
    agent = create_agent(client, auth_headers)
    text = "## Vehicles\n\nAn automobile must be inspected every two years at a garage."
    assert upload(client, auth_headers, agent["id"], text.encode()).status_code == 202
    drain(app)
    chat = client.post(f"/api/agents/{agent['id']}/chats", json={}, headers=auth_headers).json
    response = await voice_client.post(
        stream_path(chat["id"]), headers=auth_headers, json={"content": "When is my car due?"}
    )
    events = parse_events((await response.get_data()).decode())
    assert events[-1][0] == "done", events[-3:]
    assert "automobile" in events[-1][1]["ai_message"]["sources"][0]["snippet"]
    asked = [r["json"]["input"] for r in upstream.requests if r["endpoint"] == "embeddings"]
    assert asked[-1] == ["When is my car due?"]
