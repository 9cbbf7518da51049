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
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.access import Caller, chat_for
from shared.conversation import model_context, new_message, recent_messages
from shared.db import utcnow
from shared.errors import envelope, provider_failure
from shared.models import Chat, Message, MessageBy
from shared.providers.base import ChatMessage, ChatProvider, ProviderError
from voice.database import db
from voice.turns import history_budget, message_json

log = logging.getLogger(__name__)
Sessions = async_sessionmaker[AsyncSession]


@dataclass(frozen=True)
class StreamRequest:
    """Everything the event stream needs, gathered before the response starts."""

    caller: Caller
    chat_id: int
    content: str
    context: list[ChatMessage]
    model: str | None
    asked_at: datetime


def event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


async def prepare(caller: Caller, chat: Chat, content: str) -> StreamRequest:
    """The model context: the stored history plus the new (not yet stored) message."""
    budget = history_budget()
    history = (await db().scalars(recent_messages(chat.id, budget.max_messages - 1))).all()
    pending = Message(chat_id=chat.id, message_by=MessageBy.USER, content=content)
    context = model_context(chat.agent.prompt, [pending, *history], budget)
    await db().commit()
    return StreamRequest(caller, chat.id, content, context, chat.agent.model, utcnow())


async def reply_events(
    turn: StreamRequest, provider: ChatProvider, sessions: Sessions
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
        if not "".join(pieces).strip():
            raise ProviderError("The AI provider returned an empty reply.", stage="llm")
    except ProviderError as exc:
        yield event("error", await failure(turn, exc, sessions))
        return
    try:
        async with sessions() as session:
            stored = await store_turn(session, turn, "".join(pieces))
    except (sa.exc.OperationalError, sa.exc.InterfaceError, ConnectionError, TimeoutError):
        log.error("database error while storing a streamed turn")
        yield event("error", envelope(503, "The database is unavailable; try again shortly."))
        return
    if stored is None:
        yield event("error", envelope(404, "Chat not found."))
        return
    user_message, ai_message = stored
    payload = {"user_message": message_json(user_message), "ai_message": message_json(ai_message)}
    yield event("done", payload)


async def store_turn(
    session: AsyncSession, turn: StreamRequest, reply: str
) -> tuple[Message, Message] | None:
    """Both messages in one transaction (None when the chat was deleted meanwhile)."""
    chat = await session.scalar(chat_for(turn.caller, turn.chat_id))
    if chat is None:
        return None
    user_message = new_message(chat, turn.caller, MessageBy.USER, turn.content, turn.asked_at)
    ai_message = new_message(chat, turn.caller, MessageBy.AI, reply)
    session.add_all([user_message, ai_message])
    await session.commit()
    return user_message, ai_message


async def failure(turn: StreamRequest, exc: ProviderError, sessions: Sessions) -> dict[str, Any]:
    """Keep the USER message so the API's retry endpoint can answer it; the error envelope."""
    async with sessions() as session:
        chat = await session.scalar(chat_for(turn.caller, turn.chat_id))
        if chat is not None:
            message = new_message(chat, turn.caller, MessageBy.USER, turn.content, turn.asked_at)
            session.add(message)
            await session.commit()
            exc.kept_message_id = message.id
    retry = f"POST /api/chats/{turn.chat_id}/messages/retry" if exc.kept_message_id else None
    return provider_failure(exc, retry)


async def close_stream(stream: AsyncIterator[str]) -> None:
    """Close the upstream stream now, also when the client went away (not at garbage collection)."""
    close = getattr(stream, "aclose", None)
    if close is not None:
        await close()
