"""The SDK's asyncio requests over aiohttp (shared/providers/aio_transport.py): the same answers
and the same errors as through httpx2's own transport, on kept-alive connections."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import openai
import pytest

from shared.core.config import Config
from shared.providers.base import ProviderTimeout, ProviderUnavailable
from shared.providers.openai_chat import OpenAIChat, async_client
from shared.providers.openai_speech import OpenAISpeechToText, OpenAITextToSpeech
from tests.fake_openai import Behaviour, Failure, FakeOpenAIServer


@pytest.fixture
def accepted(fake_openai: FakeOpenAIServer) -> list[Any]:
    """The TCP connections the fake upstream accepts while the test runs."""
    seen: list[Any] = []
    original = fake_openai.process_request

    def counting(request: Any, address: Any) -> None:
        seen.append(address)
        original(request, address)

    fake_openai.process_request = counting  # type: ignore[method-assign]
    yield seen
    fake_openai.process_request = original  # type: ignore[method-assign]


async def test_speech_a_transcript_and_a_streamed_reply_on_one_kept_connection(
    config: Config, upstream: Behaviour, accepted: list[Any]
) -> None:
    upstream.reply = "Streamed over aiohttp, piece by piece."
    chat, stt, tts = OpenAIChat(config), OpenAISpeechToText(config), OpenAITextToSpeech(config)
    try:
        transcript = await stt.atranscribe(b"RIFF fake audio", "clip.wav")
        speech = await tts.aspeak("Hello there.")
        stream = chat.astream([{"role": "user", "content": "hi"}])
        pieces = [piece async for piece in stream]
        again = await tts.aspeak("And again.")
    finally:
        await asyncio.gather(chat.aclose(), stt.aclose(), tts.aclose())

    assert transcript == upstream.transcript
    assert speech.data and again.data
    assert len(pieces) > 1 and "".join(pieces) == upstream.reply
    assert stream.usage.completion_tokens
    # One connection for each client (three clients); the second speech call reused its own.
    assert len(accepted) == 3


async def test_a_refused_connection_is_unreachable_not_a_timeout(config: Config) -> None:
    tts = OpenAITextToSpeech(config.replace(openai_base_url="http://127.0.0.1:9/v1"))
    try:
        with pytest.raises(ProviderUnavailable, match="could not be reached"):
            await tts.aspeak("Nobody listens.")
    finally:
        await tts.aclose()


async def test_an_upstream_slower_than_the_timeout_is_a_timeout(
    config: Config, upstream: Behaviour
) -> None:
    upstream.fail_next("speech", Failure(hang=1.0))
    tts = OpenAITextToSpeech(config.replace(provider_timeout=0.3))
    try:
        with pytest.raises(ProviderTimeout):
            await tts.aspeak("Too slow.")
    finally:
        await tts.aclose()


@pytest.fixture
async def cut_short() -> AsyncIterator[str]:
    """A server that promises 100 bytes, sends 7 and hangs up."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
        writer.write(b'Content-Length: 100\r\n\r\n{"text"')
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"http://127.0.0.1:{port}/v1"


async def test_a_connection_dropped_mid_body_is_a_connection_error(cut_short: str) -> None:
    client = async_client({"api_key": "k", "base_url": cut_short, "max_retries": 0})
    try:
        with pytest.raises(openai.APIConnectionError) as raised:
            await client.audio.transcriptions.create(model="m", file=("a.wav", b"x"))
    finally:
        await client.close()
    assert not isinstance(raised.value, openai.APITimeoutError)
