"""Server-sent event streams that always end with `done` or `error`, whatever fails midway."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator

from shared.core.errors import envelope

log = logging.getLogger(__name__)
UNEXPECTED = "An unexpected error occurred while the reply was streamed."
# Proxies cut streams idle for long (often 30-60 s): a comment line at least this often while
# the reply waits upstream keeps the stream open (clients ignore SSE comments).
HEARTBEAT_SECONDS = 15.0
HEARTBEAT = ": keep-alive\n\n"


async def with_heartbeats(events: AsyncIterator[str]) -> AsyncIterator[str]:
    """`events`, with a heartbeat comment whenever none came for HEARTBEAT_SECONDS."""
    pending: asyncio.Future[str] | None = None
    try:
        while True:
            if pending is None:
                pending = asyncio.ensure_future(anext(events))
            done, _ = await asyncio.wait({pending}, timeout=HEARTBEAT_SECONDS)
            if not done:
                yield HEARTBEAT
                continue
            finished, pending = pending, None
            try:
                chunk = finished.result()
            except StopAsyncIteration:
                return
            yield chunk
    finally:
        if pending is not None:  # the client went away while the next event was awaited
            pending.cancel()


async def ended_stream(events: AsyncIterator[str]) -> AsyncIterator[bytes]:
    """`events` as UTF-8 (a lone surrogate from upstream becomes '?', never a broken response);
    an unexpected failure midway ends the stream with an `error` event instead of cutting it."""
    try:
        async for chunk in with_heartbeats(events):
            yield chunk.encode("utf-8", "replace")
    except Exception:
        log.exception("streamed reply failed")
        data = json.dumps(envelope(500, UNEXPECTED))
        yield f"event: error\ndata: {data}\n\n".encode()
