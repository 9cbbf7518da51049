"""Body caps on the voice service: 64 KiB for every body except a multipart recording, refused
while reading (with or without Content-Length) and without the worker's memory growing."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
from quart.typing import TestClientProtocol as VoiceClient

from tests.voice.audio import recording, tone_pcm
from tests.voice.conftest import Headers
from tests.voice.worker import MIB, Worker, voice_worker

__all__ = ["voice_worker"]
HUGE_JSON = b"[" + b"{}," * (25 * MIB // 3) + b"{}]"  # 25 MB of empty objects


def stream_path(chat_id: int) -> str:
    return f"/voice/chats/{chat_id}/messages/stream"


async def test_stream_message_json_body_over_64_kib_too_large(
    voice_client: VoiceClient, user_chat: tuple[Headers, dict[str, Any]]
) -> None:
    headers, chat = user_chat
    body = json.dumps({"content": "x" * (65 * 1024)})
    response = await voice_client.post(
        stream_path(chat["id"]), headers={**headers, "Content-Type": "application/json"}, data=body
    )
    assert response.status_code == 413
    assert (await response.get_json())["message"] == (
        "The request body is larger than the 64 KiB limit."
    )


async def test_voice_turn_multipart_recording_over_64_kib_is_answered(
    post_audio: Callable[..., Any], user_chat: tuple[Headers, dict[str, Any]]
) -> None:
    headers, chat = user_chat
    data = recording("wav", tone_pcm(seconds=3))
    assert len(data) > 64 * 1024
    response = await post_audio(chat["id"], headers, data=data, filename="a.wav")
    assert response.status_code == 201


async def send_huge_json(base_url: str, path: str, headers: Headers, chunked: bool) -> int:
    """POST the 25 MB body over a raw connection; the status, or 0 when the worker closed the
    connection while a chunked body was still being sent (it refused to read more)."""
    host, port = base_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    length = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {len(HUGE_JSON)}"
    head = [f"POST {path} HTTP/1.1", f"Host: {host}", "Content-Type: application/json", length]
    head += [f"{name}: {value}" for name, value in headers.items()]
    try:
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
        if not chunked:  # the declared length alone is refused, before any body byte
            return int((await reader.readline()).split()[1])
        for start in range(0, len(HUGE_JSON), MIB):
            piece = HUGE_JSON[start : start + MIB]
            writer.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            await writer.drain()
        writer.write(b"0\r\n\r\n")
        status_line = await reader.readline()
        return int(status_line.split()[1])
    except (ConnectionError, IndexError):
        return 0
    finally:
        writer.close()


async def test_voice_worker_memory_stays_flat_under_huge_json_bodies(
    voice_worker: Worker, user_chat: tuple[Headers, dict[str, Any]]
) -> None:
    headers, chat = user_chat
    path = stream_path(chat["id"])
    before = voice_worker.peak_rss()
    statuses = await asyncio.gather(
        *(send_huge_json(voice_worker.base_url, path, headers, n % 2 == 1) for n in range(4))
    )
    grown = voice_worker.peak_rss() - before
    print(f"voice worker peak RSS grew {grown / MIB:.1f} MiB under 4 concurrent 25 MB bodies")
    assert statuses[0] == statuses[2] == 413 and set(statuses) <= {413, 0}, statuses
    assert grown < 100 * MIB
    async with httpx.AsyncClient(base_url=voice_worker.base_url) as client:
        assert (await client.get("/voice/health")).status_code == 200
