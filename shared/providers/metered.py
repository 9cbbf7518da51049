"""Provider calls timed and counted for /metrics, whatever the provider (OpenAI or offline).

A thin proxy: every attribute is the wrapped provider's, and the calling methods are timed.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import Any, TypeVar

from shared.core import metrics
from shared.providers.base import ProviderError, ReplyStream, Stage

P = TypeVar("P")
CALLS: dict[Stage, tuple[str, ...]] = {
    "llm": ("reply", "areply"),
    "stt": ("atranscribe", "transcribe"),
    "tts": ("aspeak", "speak"),
    "embed": ("embed", "aembed"),
}


class Metered:
    def __init__(self, inner: Any, stage: Stage) -> None:
        self._inner = inner
        self._stage = stage
        self._provider = str(getattr(inner, "name", type(inner).__name__))

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if name == "astream" and self._stage == "llm":
            return self._timed_stream(attr)
        if name == "aspeak_stream" and self._stage == "tts":
            return self._timed_chunks(attr)
        if name in CALLS[self._stage]:
            return self._timed(attr)
        return attr

    def _observe(self, started: float, error: ProviderError | None = None) -> None:
        metrics.PROVIDER_LATENCY.labels(stage=self._stage, provider=self._provider).observe(
            time.perf_counter() - started
        )
        if error is not None:
            metrics.PROVIDER_ERRORS.labels(
                stage=self._stage, provider=self._provider, status=str(error.status)
            ).inc()

    def _timed(self, call: Callable[..., Any]) -> Callable[..., Any]:
        def sync_call(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                result = call(*args, **kwargs)
            except ProviderError as exc:
                self._observe(started, exc)
                raise
            if hasattr(result, "__await__"):
                return self._awaited(result, started)
            self._observe(started)
            return result

        return sync_call

    async def _awaited(self, pending: Any, started: float) -> Any:
        try:
            result = await pending
        except ProviderError as exc:
            self._observe(started, exc)
            raise
        self._observe(started)
        return result

    def _timed_stream(self, call: Callable[..., ReplyStream]) -> Callable[..., ReplyStream]:
        def stream(*args: Any, **kwargs: Any) -> ReplyStream:
            return MeteredStream(call(*args, **kwargs), self._observe)

        return stream

    def _timed_chunks(
        self, call: Callable[..., AsyncIterator[bytes]]
    ) -> Callable[..., AsyncIterator[bytes]]:
        """Streamed speech, timed from the call to its last chunk."""

        async def chunks(*args: Any, **kwargs: Any) -> AsyncIterator[bytes]:
            started = time.perf_counter()
            try:
                async for chunk in call(*args, **kwargs):
                    yield chunk
            except ProviderError as exc:
                self._observe(started, exc)
                raise
            self._observe(started)

        return chunks


class MeteredStream(ReplyStream):
    """A streamed reply counted in `chatbot_active_streams` while it runs, timed to its end."""

    def __init__(self, inner: ReplyStream, observe: Callable[..., None]) -> None:
        super().__init__(inner.model)
        self._inner = inner
        self._observe_call = observe

    async def _pieces(self) -> AsyncGenerator[str, None]:
        started = time.perf_counter()
        metrics.ACTIVE_STREAMS.inc()
        try:
            async for piece in self._inner:
                yield piece
        except ProviderError as exc:
            self._observe_call(started, exc)
            raise
        finally:
            metrics.ACTIVE_STREAMS.dec()
            await self._inner.aclose()
            self.usage, self.model = self._inner.usage, self._inner.model
            self.tool_calls = self._inner.tool_calls
        self._observe_call(started)


def metered(provider: P, stage: Stage) -> P:
    """`provider` with its calls timed and its failures counted by stage."""
    return Metered(provider, stage)  # type: ignore[return-value]
