"""Fixtures for the voice service: the Quart app with its serving hooks run, and its client;
a caller's chat to speak or stream into (`voice_chat`, `open_voice_chat`), voice apps of their
own config (`serve_voice`), and the checks several test modules share."""

from __future__ import annotations

import functools
import io
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

import pytest
from flask.testing import FlaskClient
from quart import Quart
from quart.datastructures import FileStorage
from quart.typing import TestClientProtocol as VoiceClient

from shared.core.config import Config
from tests.fake_openai import Behaviour
from tests.voice.audio import recording
from voice import create_app

Headers = dict[str, str]


@pytest.fixture
def voice_config(config: Config) -> Config:
    return config


@pytest.fixture
async def voice_app(voice_config: Config, upstream: Behaviour) -> AsyncIterator[Quart]:
    app = create_app(voice_config)
    async with app.test_app():
        yield app


@pytest.fixture
def voice_client(voice_app: Quart) -> VoiceClient:
    return voice_app.test_client()


@pytest.fixture
def user_chat(
    register: Callable[..., dict[str, Any]], new_chat: Callable[..., dict[str, Any]]
) -> tuple[Headers, dict[str, Any]]:
    """A registered user's headers and a fresh chat of theirs."""
    headers = register()["headers"]
    return headers, new_chat(headers)


def stored_messages(client: FlaskClient, chat_id: int, headers: Headers) -> list[dict[str, Any]]:
    response = client.get(f"/api/chats/{chat_id}/messages", headers=headers)
    assert response.status_code == 200, response.json
    return list(response.json)


def upload(data: bytes, filename: str = "recording.webm", mime: str = "audio/webm") -> FileStorage:
    return FileStorage(io.BytesIO(data), filename=filename, content_type=mime)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def post_recording(
    voice_client: VoiceClient,
    chat_id: int,
    headers: Headers,
    data: bytes | None = None,
    filename: str = "recording.webm",
    query: str = "",
    extra_headers: Headers | None = None,
) -> Any:
    """POST a recording (default: a webm/opus tone) to a chat's voice endpoint."""
    audio = recording() if data is None else data
    return await voice_client.post(
        f"/voice/chats/{chat_id}/messages{query}",
        headers={**headers, **(extra_headers or {})},
        files={"audio": upload(audio, filename)},
    )


@pytest.fixture
def post_audio(voice_client: VoiceClient) -> Callable[..., Any]:
    """`post_recording` through this test's voice app: `await post_audio(chat_id, headers)`."""
    return functools.partial(post_recording, voice_client)


@dataclass(frozen=True)
class VoiceChat:
    """A caller's chat: spoken or streamed to on the voice service, read back through the API."""

    login: dict[str, Any]  # what `register()` or `guest()` returned, with its `headers`
    chat: dict[str, Any]
    voice_client: VoiceClient
    client: FlaskClient

    @property
    def id(self) -> int:
        return int(self.chat["id"])

    @property
    def headers(self) -> Headers:
        return dict(self.login["headers"])

    async def post_audio(self, data: bytes | None = None, **options: Any) -> Any:
        """POST a recording as this caller (`headers=` another caller's); see post_recording."""
        headers = options.pop("headers", self.headers)
        return await post_recording(self.voice_client, self.id, headers, data, **options)

    async def stream_status(self, headers: Headers | None = None) -> int:
        """Stream a short reply as this caller (or as `headers`), read it all; the status."""
        response = await self.voice_client.post(
            f"/voice/chats/{self.id}/messages/stream",
            headers=self.headers if headers is None else headers,
            json={"content": "hi"},
        )
        await response.get_data()
        return int(response.status_code)

    def stored(self) -> list[dict[str, Any]]:
        return stored_messages(self.client, self.id, self.headers)

    def via(self, voice_client: VoiceClient) -> VoiceChat:
        """The same chat, talked to through another voice app (one with its own config)."""
        return replace(self, voice_client=voice_client)


OpenVoiceChat = Callable[..., VoiceChat]


@pytest.fixture
def open_voice_chat(
    client: FlaskClient,
    voice_client: VoiceClient,
    register: Callable[..., dict[str, Any]],
    new_chat: Callable[..., dict[str, Any]],
) -> OpenVoiceChat:
    """Open a chat for `login` (default: a newly registered user): with the starter agent, or,
    given agent fields (`voice="nova"`), with a new agent of that caller's."""

    def _open(login: dict[str, Any] | None = None, **agent: Any) -> VoiceChat:
        login = login or register()
        agent_id = None
        if agent:
            created = client.post("/api/agents", json=agent, headers=login["headers"]).json
            assert created is not None and "id" in created, created
            agent_id = int(created["id"])
        return VoiceChat(login, new_chat(login["headers"], agent_id), voice_client, client)

    return _open


@pytest.fixture
def voice_chat(open_voice_chat: OpenVoiceChat) -> VoiceChat:
    """A newly registered user's chat with the starter agent."""
    return open_voice_chat()


async def assert_turn_failed_at(response: Any, chat: VoiceChat, stage: str) -> dict[str, Any]:
    """The turn failed at `stage` after both messages were stored, and its error names them.
    Returns the error body for the caller's further checks."""
    body = dict(await response.get_json())
    stored = chat.stored()
    assert [m["message_by"] for m in stored] == ["USER", "AI"]
    assert body["errors"]["stage"] == stage
    assert body["errors"]["user_message_id"] == stored[0]["id"]
    assert body["errors"]["ai_message_id"] == stored[1]["id"]
    return body


@pytest.fixture
def guest_chat(
    guest: Callable[[], dict[str, Any]], new_chat: Callable[..., dict[str, Any]]
) -> tuple[Headers, dict[str, Any]]:
    """A new guest's headers and a fresh chat of theirs."""
    headers = guest()["headers"]
    return headers, new_chat(headers)


ServeVoice = Callable[..., AbstractAsyncContextManager[VoiceClient]]


@pytest.fixture
def serve_voice(voice_config: Config, upstream: Behaviour) -> ServeVoice:
    """Serve a voice app of its own, from `config` (default: the test's) with `overrides`
    (`async with serve_voice(quota_guest_tokens_per_day=1) as voice: ...`); yields its client."""

    @asynccontextmanager
    async def _serve(config: Config | None = None, **overrides: Any) -> AsyncIterator[VoiceClient]:
        app = create_app((config or voice_config).replace(**overrides))
        async with app.test_app():
            yield app.test_client()

    return _serve


async def health_of(voice_client: VoiceClient) -> dict[str, Any]:
    response = await voice_client.get("/voice/health")
    assert response.status_code == 200
    return dict(await response.get_json())


@pytest.fixture
async def voice_server(config: Config, upstream: Behaviour) -> AsyncIterator[str]:
    """The voice app served by hypercorn on loopback, once it answers; yields its base URL."""
    from tests.voice.workers import worker_here  # workers.py imports this module

    async with worker_here(config) as base_url:
        yield base_url
