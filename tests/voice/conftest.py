"""Fixtures for the voice service: the Quart app with its serving hooks run, and its client."""

from __future__ import annotations

import io
import socket
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from quart import Quart
from quart.datastructures import FileStorage
from quart.typing import TestClientProtocol as VoiceClient

from shared.config import Config
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


@pytest.fixture
def post_audio(
    voice_client: VoiceClient,
) -> Callable[..., Any]:
    """POST a recording (default: a webm/opus tone) to a chat's voice endpoint."""

    async def _post(
        chat_id: int,
        headers: Headers,
        data: bytes | None = None,
        filename: str = "recording.webm",
        query: str = "",
        extra_headers: Headers | None = None,
    ) -> Any:
        audio = recording() if data is None else data
        return await voice_client.post(
            f"/voice/chats/{chat_id}/messages{query}",
            headers={**headers, **(extra_headers or {})},
            files={"audio": upload(audio, filename)},
        )

    return _post


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


@pytest.fixture
async def voice_server(config: Config, upstream: Behaviour) -> AsyncIterator[str]:
    """The voice app served by hypercorn on loopback, once it answers; yields its base URL."""
    from tests.voice.workers import worker_here  # workers.py imports this module

    async with worker_here(config) as base_url:
        yield base_url
