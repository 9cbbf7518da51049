"""Rules of the local reply model that need no model: context fitting, stopping, settings."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from shared.core.config import Config, ConfigError
from shared.providers.base import ChatMessage, ProviderError, ProviderUnavailable
from shared.providers.local_llm import (
    TEMPLATE_TOKENS,
    estimate_tokens,
    fit_context,
    stream_from_thread,
    stream_reply,
)
from shared.providers.local_model import join_chunks


def count_words(text: str) -> int:
    return len(text.split())


def conversation(*contents: str) -> list[ChatMessage]:
    messages: list[ChatMessage] = [{"role": "system", "content": "You are terse."}]
    for index, content in enumerate(contents):
        messages.append({"role": "user" if index % 2 == 0 else "assistant", "content": content})
    return messages


def test_fit_context_keeps_everything_that_fits() -> None:
    messages = conversation("one two", "three", "four five six")
    assert fit_context(messages, count_words, 1000) == messages


def test_fit_context_drops_the_oldest_history_first() -> None:
    messages = conversation("old " * 50, "middle", "newest question")
    limit = 3 + 1 + 2 + 3 * TEMPLATE_TOKENS  # system + the two newest messages

    fitted = fit_context(messages, count_words, limit)

    assert fitted == [messages[0], messages[2], messages[3]]


def test_fit_context_always_keeps_the_prompt_and_the_newest_message() -> None:
    messages = conversation("earlier", "a question far longer than the whole budget " * 20)

    fitted = fit_context(messages, count_words, 10)

    assert fitted == [messages[0], messages[-1]]


async def test_stream_from_thread_yields_every_item_in_order() -> None:
    def produce(stop: threading.Event) -> Iterator[str]:
        yield from ("a", "b", "c")

    assert [piece async for piece in stream_from_thread(produce)] == ["a", "b", "c"]


async def test_stream_from_thread_stops_the_worker_when_the_reader_stops() -> None:
    produced: list[int] = []

    def produce(stop: threading.Event) -> Iterator[str]:
        for index in range(10_000_000):
            if stop.is_set():
                return
            produced.append(index)
            yield str(index)

    stream = stream_from_thread(produce)
    assert await anext(stream) == "0"
    await stream.aclose()  # returns once the worker thread has finished

    # Had the stop flag been ignored, the close would have waited for all ten million.
    assert len(produced) < 10_000_000


async def test_stream_from_thread_raises_the_workers_error() -> None:
    def produce(stop: threading.Event) -> Iterator[str]:
        yield "partial"
        raise ValueError("broken")

    stream = stream_from_thread(produce)
    assert await anext(stream) == "partial"
    with pytest.raises(ValueError, match="broken"):
        await anext(stream)


def test_config_accepts_local_reply_provider() -> None:
    config = Config.from_env(
        {"APP_ENV": "test", "LLM_PROVIDER": "local", "LOCAL_LLM_MAX_TOKENS": "64"}
    )
    assert config.llm_provider == "local" and config.local_llm_max_tokens == 64


@pytest.mark.parametrize(
    "environ",
    [
        {"LLM_PROVIDER": "mystery"},
        {"STT_PROVIDER": "local"},
        {"LOCAL_LLM_CONTEXT": "256", "LOCAL_LLM_MAX_TOKENS": "256"},
        {"LOCAL_LLM_MAX_TOKENS": "0"},
    ],
)
def test_config_refuses_impossible_local_settings(environ: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match=r"LLM_PROVIDER|STT_PROVIDER|LOCAL_LLM"):
        Config.from_env({"APP_ENV": "test", **environ})


class FakeServer:
    """llama.cpp's in-process server as the provider sees it: chunks through a callback."""

    def __init__(self, chunks: list[dict[str, Any]], gate: threading.Event | None = None) -> None:
        self.chunks = chunks
        self.gate = gate  # when given, the second chunk waits for it (a slow model's next token)
        self.sent = 0
        self.request: dict[str, Any] = {}

    def handle_chat_completions(
        self, request: dict[str, Any], callback: Callable[[dict[str, Any]], bool]
    ) -> None:
        self.request = request
        for chunk in self.chunks:
            if self.sent == 1 and self.gate is not None:
                self.gate.wait(10)
            self.sent += 1
            if callback(chunk):
                return  # the server stops generating when the callback says so


def delta(text: str) -> dict[str, Any]:
    return {"choices": [{"index": 0, "delta": {"content": text}}]}


def test_stream_reply_yields_the_deltas_of_a_streamed_request() -> None:
    server = FakeServer(
        [{"choices": [{"delta": {"role": "assistant"}}]}, delta("Pa"), delta("ris")]
    )

    pieces = list(stream_reply(server, {"messages": []}, threading.Event()))

    assert pieces == ["Pa", "ris"]
    assert server.request["stream"] is True


def test_stream_reply_stops_the_server_when_the_reader_stops() -> None:
    stop = threading.Event()
    server = FakeServer([delta(str(n)) for n in range(1000)], gate=stop)
    pieces = []
    for piece in stream_reply(server, {"messages": []}, stop):
        pieces.append(piece)
        stop.set()

    assert pieces == ["0"]
    assert server.sent == 2  # the token after the stop told the server to stop


def test_stream_reply_turns_an_error_chunk_into_a_provider_error() -> None:
    server = FakeServer([delta("so"), {"error": {"message": "the request exceeds the context"}}])

    with pytest.raises(ProviderError, match="exceeds the context"):
        list(stream_reply(server, {"messages": []}, threading.Event()))


def test_estimate_tokens_is_at_least_one_token_per_two_bytes() -> None:
    assert estimate_tokens("") == 1
    assert estimate_tokens("What is the capital of France?") >= 7  # 7 tokens in Qwen's tokenizer
    assert estimate_tokens("東京都") == 5  # 9 UTF-8 bytes


def write_chunks(folder: Path, *parts: bytes) -> list[Path]:
    paths = []
    for index, data in enumerate(parts):
        paths.append(folder / f"part{index}.bin")
        paths[-1].write_bytes(data)
    return paths


def test_join_chunks_writes_the_whole_file_readable_by_all(tmp_path: Path) -> None:
    chunks = write_chunks(tmp_path, b"GGUF", b"-weights")
    target = tmp_path / "models" / "model.gguf"

    join_chunks(chunks, target, hashlib.sha256(b"GGUF-weights").hexdigest())

    assert target.read_bytes() == b"GGUF-weights"
    assert target.stat().st_mode & 0o777 == 0o644


def test_join_chunks_refuses_bytes_that_do_not_match_the_pin(tmp_path: Path) -> None:
    chunks = write_chunks(tmp_path, b"GGUF", b"-tampered")
    target = tmp_path / "models" / "model.gguf"

    with pytest.raises(ProviderUnavailable, match="do not match their pinned hash"):
        join_chunks(chunks, target, hashlib.sha256(b"GGUF-weights").hexdigest())

    assert list(target.parent.iterdir()) == []  # no partial or wrong file left behind
