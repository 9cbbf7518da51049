"""The voice service on a real hypercorn: turns run concurrently, never blocking the loop."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from hypercorn.asyncio import serve
from hypercorn.config import Config as HypercornConfig

from shared.config import Config
from tests.fake_openai import Behaviour
from tests.voice.audio import recording
from tests.voice.conftest import Headers
from voice import create_app

TURNS = 20


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def voice_server(config: Config, upstream: Behaviour) -> AsyncIterator[str]:
    """The voice app served by hypercorn on loopback; yields its base URL."""
    port = free_port()
    settings = HypercornConfig()
    settings.bind = [f"127.0.0.1:{port}"]
    settings.accesslog = None
    stopped = asyncio.Event()
    server = asyncio.create_task(
        serve(create_app(config), settings, shutdown_trigger=stopped.wait)  # type: ignore[arg-type]
    )
    base_url = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient() as probe:
        for _ in range(100):
            try:
                await probe.get(f"{base_url}/voice/health")
                break
            except httpx.TransportError:
                await asyncio.sleep(0.05)
    yield base_url
    stopped.set()
    await server


async def timed_turn(http: httpx.AsyncClient, url: str, headers: Headers, audio: bytes) -> float:
    started = time.perf_counter()
    response = await http.post(url, headers=headers, files={"audio": ("a.webm", audio)})
    assert response.status_code == 201, response.text
    assert response.headers["content-type"].startswith("audio/")
    return time.perf_counter() - started


@pytest.mark.slow
async def test_voice_turns_run_concurrently(
    voice_server: str,
    user_chat: tuple[Headers, dict[str, Any]],
    upstream: Behaviour,
) -> None:
    headers, chat = user_chat
    url = f"{voice_server}/voice/chats/{chat['id']}/messages"
    audio = recording("webm-opus")
    upstream.latency = 0.5  # every upstream call (STT, reply, speech) sleeps 0.5 s
    async with httpx.AsyncClient(timeout=60) as http:
        single = await timed_turn(http, url, headers, audio)
        started = time.perf_counter()
        await asyncio.gather(*(timed_turn(http, url, headers, audio) for _ in range(TURNS)))
        together = time.perf_counter() - started

    assert single >= 1.5
    assert together < 5 * single, f"{TURNS} turns took {together:.1f}s; one took {single:.1f}s"
