"""Server-sent event streams that always end with `done` or `error`, whatever fails midway."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import TypeVar

from shared.core.errors import envelope

log = logging.getLogger(__name__)
T = TypeVar("T")
UNEXPECTED = "An unexpected error occurred while the reply was streamed."
# Proxies cut streams idle for long (often 30-60 s): a comment line at least this often while
# the reply waits upstream keeps the stream open (clients ignore SSE comments).
HEARTBEAT_SECONDS = 15.0
HEARTBEAT = ": keep-alive\n\n"


async def paced(
    events: AsyncIterator[T], wait: Callable[[], float]
) -> AsyncGenerator[T | None, None]:
    """`events`, with None whenever `wait()` seconds (asked before each wait) pass without one;
    the event awaited when the stream is closed early is cancelled."""
    pending: asyncio.Future[T] | None = None
    try:
        while True:
            if pending is None:
                pending = asyncio.ensure_future(anext(events))
            done, _ = await asyncio.wait({pending}, timeout=wait())
            if not done:
                yield None
                continue
            finished, pending = pending, None
            try:
                item = finished.result()
            except StopAsyncIteration:
                return
            yield item
    finally:
        if pending is not None:  # the client went away while the next event was awaited
            pending.cancel()


class Heartbeat:
    """When a stream that has sent nothing for HEARTBEAT_SECONDS is due a keep-alive comment."""

    def __init__(self) -> None:
        self.sent_at = time.monotonic()

    def wait(self) -> float:
        """Seconds until the next comment is due (0: now)."""
        return max(self.sent_at + HEARTBEAT_SECONDS - time.monotonic(), 0.0)

    def sent(self) -> None:
        self.sent_at = time.monotonic()


async def ended_stream(chunks: AsyncIterator[str]) -> AsyncIterator[bytes]:
    """`chunks` as UTF-8 (a lone surrogate from upstream becomes '?', never a broken response);
    an unexpected failure midway ends the stream with an `error` event instead of cutting it."""
    try:
        async for chunk in chunks:
            yield chunk.encode("utf-8", "replace")
    except Exception:
        log.exception("streamed reply failed")
        data = json.dumps(envelope(500, UNEXPECTED))
        yield f"event: error\ndata: {data}\n\n".encode()
