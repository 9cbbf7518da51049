"""Server-sent event streams that always end with `done` or `error`, whatever fails midway."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator

from shared.core.errors import envelope

log = logging.getLogger(__name__)
UNEXPECTED = "An unexpected error occurred while the reply was streamed."


async def ended_stream(events: AsyncIterator[str]) -> AsyncIterator[bytes]:
    """`events` as UTF-8 (a lone surrogate from upstream becomes '?', never a broken response);
    an unexpected failure midway ends the stream with an `error` event instead of cutting it."""
    try:
        async for chunk in events:
            yield chunk.encode("utf-8", "replace")
    except Exception:
        log.exception("streamed reply failed")
        data = json.dumps(envelope(500, UNEXPECTED))
        yield f"event: error\ndata: {data}\n\n".encode()
