"""The voice service on a real hypercorn: turns run concurrently, never blocking the loop."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from tests.fake_openai import Behaviour
from tests.voice.audio import recording
from tests.voice.conftest import Headers

TURNS = 20


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
