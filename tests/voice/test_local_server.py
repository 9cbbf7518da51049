"""A local OpenAI-compatible server (Ollama-style) answers when there is no OpenAI key."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from quart.typing import TestClientProtocol as VoiceClient

from api import create_app as create_api
from shared.core.config import Config
from shared.providers.local_llm import local_llm_installed
from shared.providers.local_server import forget_probes
from tests.fake_local_llm import FakeLocalServer
from tests.fake_openai import Behaviour
from tests.voice.conftest import Headers, ServeVoice, free_port, health_of, stored_messages
from tests.voice.test_streaming import parse_events, stream_path

# What answers when no local server does: the bundled small model, else the offline responder.
WITHOUT_SERVER = "bundled" if local_llm_installed() else "offline"


@pytest.fixture
def local_server() -> Iterator[FakeLocalServer]:
    server = FakeLocalServer().start()
    forget_probes()
    yield server
    server.stop()
    forget_probes()


@pytest.fixture
def local_config(config: Config, local_server: FakeLocalServer) -> Config:
    """No OpenAI key, LLM_PROVIDER=auto, LOCAL_LLM_URL pointing at the fake local server."""
    return config.replace(openai_api_key="", local_llm_url=local_server.base_url)


def providers_of(config: Config) -> dict[str, str]:
    client = create_api(config).test_client()
    health = client.get("/api/health")
    assert health.status_code == 200
    assert client.get("/config.json").json["providers"] == health.json["providers"]
    return dict(health.json["providers"])


async def stream_and_health(
    voice: VoiceClient, chat_id: int, headers: Headers, content: str
) -> tuple[list[tuple[str, dict[str, Any]]], dict[str, Any]]:
    """Stream a reply to `content` from `voice`; its events, then the service's health."""
    response = await voice.post(stream_path(chat_id), headers=headers, json={"content": content})
    events = parse_events((await response.get_data()).decode())
    return events, await health_of(voice)


def test_health_names_local_server_and_its_model(local_config: Config) -> None:
    providers = providers_of(local_config)

    assert providers["llm"] == "local"
    assert providers["llm_engine"] == "local-server"
    assert providers["llm_model"] == "llama3.2:1b"


def test_send_message_answered_by_local_server(
    local_config: Config,
    local_server: FakeLocalServer,
    upstream: Behaviour,
    user_chat: tuple[Headers, dict[str, Any]],
) -> None:
    headers, chat = user_chat
    client = create_api(local_config).test_client()
    response = client.post(
        f"/api/chats/{chat['id']}/messages", json={"content": "Hi there"}, headers=headers
    )

    assert response.status_code == 201, response.json
    assert response.json["ai_message"]["content"] == "local: Hi there"
    sent = [r for r in local_server.behaviour.requests if r["path"] == "/v1/chat/completions"]
    assert sent[0]["model"] == "llama3.2:1b"
    assert sent[0]["messages"][0]["role"] == "system"
    assert upstream.requests == []


def test_local_llm_model_picks_the_servers_model(
    local_config: Config,
    local_server: FakeLocalServer,
    user_chat: tuple[Headers, dict[str, Any]],
) -> None:
    headers, chat = user_chat
    config = local_config.replace(local_llm_model="qwen2.5:0.5b")
    client = create_api(config).test_client()
    response = client.post(
        f"/api/chats/{chat['id']}/messages", json={"content": "Hi"}, headers=headers
    )

    assert response.status_code == 201
    assert providers_of(config)["llm_model"] == "qwen2.5:0.5b"
    assert local_server.behaviour.requests[-1]["model"] == "qwen2.5:0.5b"


def test_agent_openai_model_is_not_sent_to_local_server(
    local_config: Config,
    local_server: FakeLocalServer,
    register: Callable[..., dict[str, Any]],
    new_chat: Callable[..., dict[str, Any]],
) -> None:
    headers = register()["headers"]
    client = create_api(local_config).test_client()
    agent = client.post(
        "/api/agents",
        json={"name": "Pinned", "prompt": "Be brief.", "model": local_config.openai_chat_model},
        headers=headers,
    )
    assert agent.status_code == 201, agent.json
    chat = new_chat(headers, agent.json["id"])

    response = client.post(
        f"/api/chats/{chat['id']}/messages", json={"content": "Hi"}, headers=headers
    )

    assert response.status_code == 201, response.json
    assert local_server.behaviour.requests[-1]["model"] == "llama3.2:1b"


async def test_stream_message_from_local_server(
    local_config: Config,
    serve_voice: ServeVoice,
    user_chat: tuple[Headers, dict[str, Any]],
    client: FlaskClient,
) -> None:
    headers, chat = user_chat
    async with serve_voice(local_config) as voice:
        events, health = await stream_and_health(voice, chat["id"], headers, "Tell me a story")

    deltas = [data["content"] for name, data in events if name == "delta"]
    assert len(deltas) > 1 and "".join(deltas) == "local: Tell me a story"
    assert events[-1][0] == "done"
    assert [m["content"] for m in stored_messages(client, chat["id"], headers)] == [
        "Tell me a story",
        "local: Tell me a story",
    ]
    assert health["providers"]["llm_engine"] == "local-server"


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (404, None),  # something else listens on the port
        (200, []),  # not an OpenAI-style model list
        (200, {"data": []}),  # a server with no model
        (200, {"data": [{"name": "no id"}]}),
    ],
)
def test_local_server_that_lists_no_model_is_not_used(
    local_config: Config, local_server: FakeLocalServer, status: int, body: Any
) -> None:
    local_server.behaviour.models_status = status
    local_server.behaviour.models_body = body

    providers = providers_of(local_config)

    assert providers["llm_engine"] == WITHOUT_SERVER
    assert [r["path"] for r in local_server.behaviour.requests] == ["/v1/models"]


def test_no_local_server_listening_is_not_used(config: Config) -> None:
    forget_probes()
    nobody = f"http://127.0.0.1:{free_port()}/v1"

    providers = providers_of(config.replace(openai_api_key="", local_llm_url=nobody))

    assert providers["llm"] == ("local" if local_llm_installed() else "offline")
    assert providers["llm_engine"] == WITHOUT_SERVER


@pytest.mark.parametrize(
    ("changes", "engine"),
    [({"openai_api_key": "test-key"}, "openai"), ({"llm_provider": "offline"}, "offline")],
)
def test_local_server_not_probed_when_another_engine_is_chosen(
    local_config: Config, local_server: FakeLocalServer, changes: dict[str, str], engine: str
) -> None:
    assert providers_of(local_config.replace(**changes))["llm_engine"] == engine
    assert local_server.behaviour.requests == []
