"""The voice service's floor: what hypercorn, Quart and the SDK cost for a voice turn, alone.

`bench.voice_floor:app` is served by bin/run-local as it serves the voice service
(`python -m voice.serve`, the same workers, one socket each) and calls the upstream through the
voice service's own providers (shared/providers: the SDK for transcription, reply and speech).
Its two routes take the same multipart upload as `POST /voice/chats/<id>/messages` and make
the same upstream calls, with nothing else: no database, token, budget, rate limit, recording
check, log line or metrics.

- `POST /floor/voice`: transcribe, reply, speak; the JSON answer with the audio in base64.
- `POST /floor/voicestream`: transcribe, stream the reply as `delta` events, speak each
  sentence as it ends (two at a time, in order) as `audio` events, then `done`.

The bursts (50 at once ÷ one) measured here beside the service's own show what part of a
missed ratio is the product's work and what part this stack on these cores cannot avoid.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
from quart import Quart, Response, request

from bench.client import median, small_webm
from bench.cpu import CpuSplit
from bench.harness import Harness
from bench.services import ROOT, wait_port, worker_pids
from bench.voice_stream import CALM, PACE
from shared.core.config import Config
from shared.providers.base import ChatProvider, SpeechAudio, SpeechToText, TextToSpeech
from shared.providers.registry import chat_provider, speech_to_text, text_to_speech

SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
app = Quart(__name__)
providers: dict[str, Any] = {}


@app.before_serving
async def start() -> None:
    config = Config.from_env()
    providers.update(chat=chat_provider(config), stt=speech_to_text(config))
    providers["tts"] = text_to_speech(config)


def chat() -> ChatProvider:
    provider: ChatProvider = providers["chat"]
    return provider


async def heard() -> str:
    files = await request.files
    stt: SpeechToText = providers["stt"]
    return await stt.atranscribe(files["audio"].read(), "audio.webm")


def encoded(speech: SpeechAudio) -> dict[str, str]:
    return {"mime_type": speech.mime_type, "audio_base64": base64.b64encode(speech.data).decode()}


@app.post("/floor/voice")
async def voice() -> tuple[dict[str, Any], int]:
    transcript = await heard()
    reply = await chat().areply([{"role": "user", "content": transcript}])
    tts: TextToSpeech = providers["tts"]
    speech = await tts.aspeak(reply.text)
    return {"transcript": transcript, "reply": reply.text, **encoded(speech)}, 201


def event(name: str, data: dict[str, Any]) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()


@app.post("/floor/voicestream")
async def voicestream() -> Response:
    transcript = await heard()
    return Response(spoken(transcript), mimetype="text/event-stream")


async def spoken(transcript: str) -> AsyncIterator[bytes]:
    """The reply's deltas, and each sentence's audio in order once it is spoken."""
    yield event("transcript", {"content": transcript})
    tts: TextToSpeech = providers["tts"]
    in_flight = asyncio.Semaphore(2)

    async def say(sentence: str) -> SpeechAudio:
        async with in_flight:
            return await tts.aspeak(sentence)

    speaking: list[asyncio.Task[SpeechAudio]] = []
    text = ""
    async for piece in chat().astream([{"role": "user", "content": transcript}]):
        yield event("delta", {"content": piece})
        *ended, text = SENTENCE_END.split(text + piece)
        speaking += [asyncio.create_task(say(sentence)) for sentence in ended]
        while speaking and speaking[0].done():
            yield event("audio", encoded(speaking.pop(0).result()))
    if text.strip():
        speaking.append(asyncio.create_task(say(text)))
    for task in speaking:
        yield event("audio", encoded(await task))
    yield event("done", {})


async def one_shot(http: httpx.AsyncClient, url: str, audio: bytes) -> None:
    response = await http.post(f"{url}/floor/voice", files={"audio": ("clip.webm", audio)})
    if response.status_code != 201:
        raise RuntimeError(f"voice floor: {response.status_code} {response.text[:200]}")


async def streamed(http: httpx.AsyncClient, url: str, audio: bytes) -> None:
    files = {"audio": ("clip.webm", audio)}
    async with http.stream("POST", f"{url}/floor/voicestream", files=files) as response:
        body = b"".join([chunk async for chunk in response.aiter_bytes()])
    if response.status_code != 200 or not body.endswith(b"event: done\ndata: {}\n\n"):
        raise RuntimeError(f"voice floor stream: {response.status_code} {body[-200:]!r}")


async def burst(
    bench: Harness, pids: list[int], turn: Callable[[], Awaitable[None]], label: str
) -> tuple[float, str]:
    """(`voice_batch` turns at once ÷ one, the burst's CPU note)."""
    count = bench.sizes.voice_batch
    await asyncio.gather(*(turn() for _ in range(8)))  # warm both workers
    one = median([await timed(turn) for _ in range(5)])
    with CpuSplit(bench.stack, voice=pids) as cpu:
        together = await timed(lambda: asyncio.gather(*(turn() for _ in range(count))))
    note = cpu.summary(
        f"{label}: one {one * 1000:.0f} ms, {count} at once {together * 1000:.0f} ms", count
    )
    return together / one, note


async def timed(call: Callable[[], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    await call()
    return time.perf_counter() - started


async def measure(bench: Harness, port: int, notes: list[str]) -> dict[str, str]:
    """The floor's bursts, one-shot (200 ms per upstream call, as the voice figure) and
    streamed (the streamed voice bench's pace), started on `port` (its API on `port + 1`)."""
    env = {"VOICE_APP": "bench.voice_floor:app", "VOICE_PORT": str(port)}
    env |= {"API_APP": "bench.floor:create_app()", "API_PORT": str(port + 1)}
    server = bench.stack.spawn([str(ROOT / "bin" / "run-local")], "voice-floor.log", env)
    url, audio = f"http://127.0.0.1:{port}", small_webm()
    try:
        wait_port(port, timeout=30)
        await asyncio.sleep(2)  # the first worker listens; give the second its time too
        pids = worker_pids(server, "hypercorn")
        bench.stack.set_upstream(latency=0.2, endpoint_latency={})
        whole, whole_note = await burst(
            bench, pids, lambda: one_shot(bench.http, url, audio), "voice floor, one-shot"
        )
        bench.stack.set_upstream(**PACE)
        stream, stream_note = await burst(
            bench, pids, lambda: streamed(bench.http, url, audio), "voice floor, streamed"
        )
    finally:
        bench.stack.set_upstream(**CALM)
        bench.stack.end(server)
    notes += [whole_note, stream_note]
    return {"voice_floor": f"{whole:.2f}", "voice_floor_stream": f"{stream:.2f}"}
