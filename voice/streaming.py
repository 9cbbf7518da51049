"""Streamed text replies: the reply goes out as server-sent events while it is written.

The question is stored at once and the reply as pending; the reply is written by a task of its
own, so a client that goes away does not stop it (it is stored complete), and anyone may follow
it again with `GET .../messages/<id>/events`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from quart import Response

from shared.turns.follow import Event, follow
from shared.turns.generation import launch
from shared.turns.store import Started
from voice.auth import current_claims
from voice.deps import sessions, writer
from voice.sse import HEARTBEAT, Heartbeat, ended_stream
from voice.standing import while_standing


def event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def event_stream(events: AsyncIterator[Event], headers: dict[str, str] | None = None) -> Response:
    """A `text/event-stream` response of `events` that no proxy buffers, ended with an `error`
    event once the caller's token no longer stands (voice/standing.py), with a heartbeat
    comment whenever nothing was sent for HEARTBEAT_SECONDS. One wait paces both."""
    heartbeat = Heartbeat()
    standing = while_standing(events, current_claims(), sessions(), heartbeat.wait)

    async def body() -> AsyncIterator[str]:
        async for item in standing:
            if item is None and heartbeat.wait() > 0:
                continue  # woken for the token's check alone
            yield HEARTBEAT if item is None else event(*item)
            heartbeat.sent()

    response = Response(
        ended_stream(body()),
        200,
        {"Cache-Control": "no-cache", "X-Accel-Buffering": "no", **(headers or {})},
        mimetype="text/event-stream",
    )
    response.timeout = None  # a long reply may take longer than Quart's default response timeout
    return response


def streamed_turn(turn: Started) -> Response:
    """Write the turn's reply on the server and stream it; the message ids are in headers."""
    launch(writer(), turn)
    headers = {
        "X-User-Message-Id": str(turn.user_message.id),
        "X-AI-Message-Id": str(turn.ai_message.id),
    }
    return event_stream(follow(writer(), turn.ai_message.id), headers)
