"""Streamed voice: time to the first spoken sentence against the one-shot turn, and 50 at once.

The fake upstream is set to a realistic pace: 300 ms to transcribe, 300 ms to the first token,
30 ms per token (a word here), and speech that takes 150 ms plus 2 ms per character. The reply
has six sentences.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable

import httpx

from bench.client import Session, median, small_webm

REPLY = (
    "Paris is the capital of France and its largest city. "
    "It sits on the river Seine in the north of the country. "
    "About two million people live in the city itself. "
    "The wider region is home to more than twelve million. "
    "It is known for its museums, its food and its cafés. "
    "Spring and early autumn are the best times to visit."
)
PACE = {
    "latency": 0.0,
    "endpoint_latency": {"transcriptions": 0.3, "speech": 0.15},
    "stream_first_chunk_delay": 0.3,
    "stream_chunk_delay": 0.03,
    "speech_seconds_per_char": 0.002,
    "reply": REPLY,
}
CALM = {
    "endpoint_latency": {},
    "stream_first_chunk_delay": 0.0,
    "stream_chunk_delay": 0.0,
    "speech_seconds_per_char": 0.0,
    "reply": None,
}


def upstream_floor() -> tuple[float, float]:
    """(first audio, one-shot turn) in seconds if the service cost nothing: the fake
    upstream's own delays for the first sentence, and for the whole reply."""
    pace, latency = PACE["endpoint_latency"], PACE["stream_first_chunk_delay"]
    assert isinstance(pace, dict) and isinstance(latency, float)
    per_token, per_char = PACE["stream_chunk_delay"], PACE["speech_seconds_per_char"]
    assert isinstance(per_token, float) and isinstance(per_char, float)
    first = REPLY.split(". ")[0] + "."

    def until_spoken(text: str) -> float:
        writing = latency + per_token * (len(text.split()) - 1)
        return pace["transcriptions"] + writing + pace["speech"] + per_char * len(text)

    return until_spoken(first), until_spoken(REPLY)


async def one_shot(session: Session, audio: bytes) -> float:
    started = time.perf_counter()
    response = await session.voice_turn(audio)
    if response.status_code != 201:
        raise RuntimeError(f"voice turn: {response.status_code} {response.text[:200]}")
    return time.perf_counter() - started


async def streamed(session: Session, audio: bytes) -> tuple[float, float]:
    """(time to the first `audio` event, time to `done`) of one streamed voice turn."""
    started = time.perf_counter()
    first_audio = total = float("nan")
    name = None
    async with session.http.stream(
        "POST",
        f"{session.voice}/voice/chats/{session.chat_id}/messages",
        files={"audio": ("clip.webm", audio, "application/octet-stream")},
        headers={**session.auth, "Accept": "text/event-stream"},
    ) as response:
        if response.status_code != 200:
            raise RuntimeError(f"streamed voice turn: {response.status_code}")
        async for line in response.aiter_lines():
            if line.startswith("event: "):
                name = line[7:].strip()
                if name == "audio" and first_audio != first_audio:
                    first_audio = time.perf_counter() - started
            elif line.startswith("data: ") and name in ("done", "error"):
                if name == "error":
                    raise RuntimeError(f"streamed voice turn failed: {json.loads(line[6:])}")
                total = time.perf_counter() - started
    return first_audio, total


async def measure(
    set_upstream: Callable[..., None],
    guest: Callable[[], Awaitable[Session]],
    batch: int,
    samples: int,
) -> tuple[float, float, list[str]]:
    """(first audio ÷ one-shot turn, `batch` streamed turns at once ÷ one) and notes."""
    set_upstream(**PACE)
    audio = small_webm()
    sessions: list[Session] = [await guest() for _ in range(batch)]
    try:
        await streamed(sessions[0], audio)  # warm up
        whole = median([await one_shot(sessions[0], audio) for _ in range(samples)])
        runs = [await streamed(sessions[0], audio) for _ in range(samples)]
        first_audio = median([run[0] for run in runs])
        one = median([run[1] for run in runs])
        started = time.perf_counter()
        await asyncio.gather(*(streamed(s, audio) for s in sessions))
        together = time.perf_counter() - started
    except httpx.HTTPError as exc:
        raise RuntimeError(f"streamed voice bench: {exc!r}") from exc
    finally:
        set_upstream(**CALM)
    floor_first, floor_whole = upstream_floor()
    notes = [
        f"voice stream: first audio p50 {first_audio * 1000:.0f} ms, one-shot turn p50 "
        f"{whole * 1000:.0f} ms (6 sentences; STT 300 ms, first token 300 ms, 30 ms/token, "
        f"speech 150 ms + 2 ms/char)",
        f"voice stream: the upstream alone takes {floor_first * 1000:.0f} ms to the first "
        f"audio and {floor_whole * 1000:.0f} ms for the one-shot turn: a floor of "
        f"{floor_first / floor_whole:.2f} for the ratio",
        f"voice stream: one streamed turn to done {one * 1000:.0f} ms, {batch} at once "
        f"{together * 1000:.0f} ms",
    ]
    return first_audio / whole, together / one, notes
