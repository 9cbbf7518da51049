"""A streamed text turn: the reply goes out as server-sent events while it is generated.

Nothing is stored until the reply is complete; then both messages are stored in one
transaction. A client that goes away midway cancels the generator, so nothing of that turn is
stored. If the provider fails midway, the USER message alone is stored so the API's retry
endpoint can answer it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import sqlalchemy as sa

from shared import quotas
from shared.access import Caller
from shared.errors import DATABASE_UNAVAILABLE, envelope, provider_failure, retry_reply
from shared.models import Chat
from shared.providers.base import ChatProvider, ProviderError, ReplyStream
from shared.validation import has_text
from voice.database import db
from voice.storage import (
    PendingTurn,
    Sessions,
    keep_question,
    message_json,
    pending_turn,
    store_turn,
)
from voice.turns import history_budget

log = logging.getLogger(__name__)


async def prepare(caller: Caller, chat: Chat, content: str) -> PendingTurn:
    return await pending_turn(db(), caller, chat, content, history_budget())


def event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


async def reply_events(
    turn: PendingTurn, provider: ChatProvider, sessions: Sessions, ticket: quotas.Ticket
) -> AsyncIterator[str]:
    """`delta` events while the reply is generated, then `done` (or `error`)."""
    pieces: list[str] = []
    try:
        stream = provider.astream(turn.context, turn.model)
        try:
            async for piece in stream:
                pieces.append(piece)
                yield event("delta", {"content": piece})
        finally:
            await close_stream(stream)
        if not has_text("".join(pieces)):
            raise ProviderError("The AI provider returned an empty reply.", stage="llm")
    except ProviderError as exc:
        await quotas.arelease(sessions, ticket)
        yield event("error", await failure(turn, exc, sessions))
        return
    try:
        stored = await store_turn(sessions, turn, "".join(pieces))
    except (sa.exc.OperationalError, sa.exc.InterfaceError, ConnectionError, TimeoutError):
        log.error("database error while storing a streamed turn")
        yield event("error", envelope(503, DATABASE_UNAVAILABLE))
        return
    if stored is None:
        yield event("error", envelope(404, "Chat not found."))
        return
    used = quotas.spent(turn.context, "".join(pieces), stream.usage, stream.model)
    await quotas.acharge(sessions, ticket, used)
    user_message, ai_message = stored
    payload = {"user_message": message_json(user_message), "ai_message": message_json(ai_message)}
    yield event("done", payload)


async def failure(turn: PendingTurn, exc: ProviderError, sessions: Sessions) -> dict[str, Any]:
    """Keep the USER message so the API's retry endpoint can answer it; the error envelope."""
    exc.kept_message_id = await keep_question(sessions, turn)
    retry = retry_reply(turn.chat_id) if exc.kept_message_id else None
    return provider_failure(exc, retry)


async def close_stream(stream: ReplyStream) -> None:
    """Close the upstream stream now, also when the client went away (not at garbage collection)."""
    await stream.aclose()
