"""Streamed voice: time to the first spoken sentence against the one-shot turn, and 50 at once.

The fake upstream is set to a realistic pace: 300 ms to transcribe, 300 ms to the first token,
30 ms per token (a word here), and speech that takes 150 ms plus 2 ms per character. The reply
has six sentences.

With a voice service speaking through the Realtime API as well (`parts_voice`), the same turns
are measured there at the same pace (150 ms to the first audio delta, then 100 ms of audio per
20 ms: 2 ms per character), with the audio passed on in parts (`?audio=parts`): the first sound
no longer waits for the first sentence's synthesis to end.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import subprocess
import time
from collections.abc import Awaitable, Callable

import httpx

from bench.client import Session, median, small_webm
from bench.cpu import CpuSplit
from bench.services import BIN, Stack, wait_http

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
    "realtime_first_chunk_delay": 0.15,
    "realtime_chunk_delay": 0.02,  # each delta is 100 ms of audio, 10 characters: 2 ms each
    "reply": REPLY,
}
CALM = {
    "endpoint_latency": {},
    "stream_first_chunk_delay": 0.0,
    "stream_chunk_delay": 0.0,
    "speech_seconds_per_char": 0.0,
    "realtime_first_chunk_delay": 0.0,
    "realtime_chunk_delay": 0.0,
    "reply": None,
}
AUDIO_EVENTS = ("audio", "audio_part")


def serve_realtime_voice(stack: Stack, port: int) -> subprocess.Popen[bytes]:
    """A second voice service on `port` (one worker), speaking through the Realtime API."""
    args = [str(BIN / "hypercorn"), "--bind", f"127.0.0.1:{port}", "voice.asgi:app"]
    server = stack.spawn(args, "voice-realtime.log", {"TTS_API": "realtime"})
    try:
        wait_http(f"http://127.0.0.1:{port}/voice/health", timeout=60)
    except RuntimeError:
        stack.end(server)
        raise
    return server


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


async def streamed(session: Session, audio: bytes, query: str = "") -> tuple[float, float]:
    """(time to the first `audio` or `audio_part` event, time to `done`) of one streamed turn."""
    started = time.perf_counter()
    first_audio = total = float("nan")
    name = None
    async with session.http.stream(
        "POST",
        f"{session.voice}/voice/chats/{session.chat_id}/messages{query}",
        files={"audio": ("clip.webm", audio, "application/octet-stream")},
        headers={**session.auth, "Accept": "text/event-stream"},
    ) as response:
        if response.status_code != 200:
            raise RuntimeError(f"streamed voice turn: {response.status_code}")
        async for line in response.aiter_lines():
            if line.startswith("event: "):
                name = line[7:].strip()
                if name in AUDIO_EVENTS and first_audio != first_audio:
                    first_audio = time.perf_counter() - started
            elif line.startswith("data: ") and name in ("done", "error"):
                if name == "error":
                    raise RuntimeError(f"streamed voice turn failed: {json.loads(line[6:])}")
                total = time.perf_counter() - started
    return first_audio, total


async def measure(
    stack: Stack,
    guest: Callable[[], Awaitable[Session]],
    batch: int,
    samples: int,
    parts_voice: str | None = None,
) -> tuple[float, float, list[str]]:
    """(first audio ÷ one-shot turn, `batch` streamed turns at once ÷ one) and notes;
    `parts_voice`: a voice service speaking through the Realtime API, measured in parts too."""
    stack.set_upstream(**PACE)
    audio = small_webm()
    sessions: list[Session] = [await guest() for _ in range(batch)]
    try:
        await streamed(sessions[0], audio)  # warm up
        whole = median([await one_shot(sessions[0], audio) for _ in range(samples)])
        runs = [await streamed(sessions[0], audio) for _ in range(samples)]
        first_audio = median([run[0] for run in runs])
        one = median([run[1] for run in runs])
        started = time.perf_counter()
        with CpuSplit(stack) as cpu:
            await asyncio.gather(*(streamed(s, audio) for s in sessions))
        together = time.perf_counter() - started
        parts = await in_parts(sessions[0], parts_voice, audio, samples)
    except httpx.HTTPError as exc:
        raise RuntimeError(f"streamed voice bench: {exc!r}") from exc
    finally:
        stack.set_upstream(**CALM)
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
        cpu.summary(f"voice stream: {batch} streamed turns at once", batch),
    ]
    if parts is not None:
        first_part, realtime_whole = parts
        notes.append(
            f"voice stream, Realtime speech in parts (?audio=parts): first audio p50 "
            f"{first_part * 1000:.0f} ms, one-shot turn p50 {realtime_whole * 1000:.0f} ms: "
            f"ratio {first_part / realtime_whole:.2f}"
        )
    return first_audio / whole, together / one, notes


async def in_parts(
    session: Session, voice: str | None, audio: bytes, samples: int
) -> tuple[float, float] | None:
    """(first audio in parts, one-shot turn), p50s, on `voice`, a voice service speaking
    through the Realtime API; None without one."""
    if voice is None:
        return None
    session = dataclasses.replace(session, voice=voice)
    await streamed(session, audio, "?audio=parts")  # warm up (the first WebSocket session)
    whole = median([await one_shot(session, audio) for _ in range(samples)])
    runs = [await streamed(session, audio, "?audio=parts") for _ in range(samples)]
    return median([run[0] for run in runs]), whole
