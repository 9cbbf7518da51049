"""Rules of the local reply model that need no model: context fitting, stopping, settings."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from shared.core.config import Config, ConfigError
from shared.providers.base import ChatMessage
from shared.providers.local_llm import TEMPLATE_TOKENS, ModelPool, fit_context, stream_from_thread


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


def test_model_pool_loads_once_and_retries_a_failed_load() -> None:
    loads: list[object] = []

    def load() -> object:
        if not loads:
            loads.append("failed")
            raise OSError("the model file could not be read")
        loads.append(object())
        return loads[-1]

    pool = ModelPool(1, load)
    with pytest.raises(OSError), pool.lend():
        pass
    with pool.lend() as first:
        pass
    with pool.lend() as again:
        assert again is first

    assert len(loads) == 2  # one failed load, then one model reused


def test_model_pool_lends_each_model_to_one_generation_at_a_time() -> None:
    pool = ModelPool(2, object)
    with pool.lend() as first, pool.lend() as second:
        assert first is not second
    with pool.lend() as third:
        assert third in (first, second)
