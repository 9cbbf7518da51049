"""Provider calls timed and counted for /metrics, whatever the provider (OpenAI or offline).

A thin proxy: every attribute is the wrapped provider's, and the calling methods are timed.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

from shared import metrics
from shared.providers.base import ProviderError, Stage

P = TypeVar("P")
CALLS: dict[Stage, tuple[str, ...]] = {
    "llm": ("reply", "areply"),
    "stt": ("atranscribe", "transcribe"),
    "tts": ("aspeak", "speak"),
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

    def _timed_stream(self, call: Callable[..., AsyncIterator[Any]]) -> Callable[..., Any]:
        async def stream(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
            started = time.perf_counter()
            metrics.ACTIVE_STREAMS.inc()
            upstream = call(*args, **kwargs)
            try:
                async for piece in upstream:
                    yield piece
            except ProviderError as exc:
                self._observe(started, exc)
                raise
            finally:
                metrics.ACTIVE_STREAMS.dec()
                close = getattr(upstream, "aclose", None)
                if close is not None:
                    await close()
            self._observe(started)

        return stream


def metered(provider: P, stage: Stage) -> P:
    """`provider` with its calls timed and its failures counted by stage."""
    return Metered(provider, stage)  # type: ignore[return-value]
