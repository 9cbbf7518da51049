"""What a benchmark client does: get a token, open a chat, take text, voice and streamed turns."""

from __future__ import annotations

import json
import math
import statistics
import time
from dataclasses import dataclass

import httpx

from tests.voice.audio import RATE, recording


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of `values`."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else math.nan


def small_webm() -> bytes:
    return recording("webm-opus")


def big_wav(megabytes: float = 5.0) -> bytes:
    """A real WAV of about `megabytes` MB (a quiet tone, mono 16-bit)."""
    import numpy as np

    samples = int(megabytes * 1_000_000 / 2)
    t = np.arange(samples, dtype=np.float64)
    pcm = (6000 * np.sin(2 * np.pi * 330 * t / RATE)).astype("<i2").tobytes()
    return recording("wav", pcm=pcm)


@dataclass
class Session:
    """A guest or a registered user with one chat, talking to both services."""

    http: httpx.AsyncClient
    api: str
    voice: str
    token: str
    chat_id: int = 0

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @classmethod
    async def guest(cls, http: httpx.AsyncClient, api: str, voice: str) -> Session:
        response = await http.post(f"{api}/api/auth/guest")
        response.raise_for_status()
        session = cls(http, api, voice, response.json()["access_token"])
        await session.new_chat()
        return session

    @classmethod
    async def user(cls, http: httpx.AsyncClient, api: str, voice: str, name: str) -> Session:
        credentials = {"username": name, "password": "bench-password-1"}
        response = await http.post(f"{api}/api/auth/register", json=credentials)
        if response.status_code not in (201, 409, 422):
            response.raise_for_status()
        response = await http.post(f"{api}/api/auth/login", json=credentials)
        response.raise_for_status()
        session = cls(http, api, voice, response.json()["access_token"])
        await session.new_chat()
        return session

    async def new_chat(self) -> int:
        agents = await self.http.get(f"{self.api}/api/agents", headers=self.auth)
        agents.raise_for_status()
        agent_id = next(a["id"] for a in agents.json() if a["is_public"])
        chat = await self.http.post(
            f"{self.api}/api/agents/{agent_id}/chats", json={}, headers=self.auth
        )
        chat.raise_for_status()
        self.chat_id = chat.json()["id"]
        return self.chat_id

    async def text_turn(self, content: str = "hello there") -> httpx.Response:
        return await self.http.post(
            f"{self.api}/api/chats/{self.chat_id}/messages",
            json={"content": content},
            headers=self.auth,
        )

    async def voice_turn(self, audio: bytes, filename: str = "clip.webm") -> httpx.Response:
        return await self.http.post(
            f"{self.voice}/voice/chats/{self.chat_id}/messages",
            files={"audio": (filename, audio, "application/octet-stream")},
            headers={**self.auth, "Accept": "application/json"},
        )

    async def tail_page(self, page_size: int = 50) -> httpx.Response:
        return await self.http.get(
            f"{self.api}/api/chats/{self.chat_id}/messages",
            params={"tail": "true", "page_size": page_size},
            headers=self.auth,
        )

    async def stream_turn(self, content: str = "stream please") -> StreamResult:
        """A streamed turn: the time to the first `delta` event, and the final event."""
        started = time.perf_counter()
        first_delta = math.nan
        result = StreamResult(status=0)
        async with self.http.stream(
            "POST",
            f"{self.voice}/voice/chats/{self.chat_id}/messages/stream",
            json={"content": content},
            headers=self.auth,
        ) as response:
            result.status = response.status_code
            name = None
            async for line in response.aiter_lines():
                if line.startswith("event: "):
                    name = line[7:].strip()
                    if name == "delta" and math.isnan(first_delta):
                        first_delta = time.perf_counter() - started
                elif line.startswith("data: ") and name in ("done", "error"):
                    result.final = name
                    result.payload = json.loads(line[6:])
        result.first_delta = first_delta
        result.total = time.perf_counter() - started
        return result


@dataclass
class StreamResult:
    status: int
    first_delta: float = math.nan
    total: float = math.nan
    final: str | None = None
    payload: dict | None = None  # type: ignore[type-arg]


def http_client(connections: int = 256) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.AsyncClient(timeout=httpx.Timeout(120.0), limits=limits)
