"""How the voice service stores a turn: both messages at once, or the question alone on failure.

Nothing is written while a provider works, so a client that goes away midway (the request task
is cancelled) leaves nothing half-stored; a fresh session per write keeps each one atomic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.access import Caller, chat_for
from shared.conversation import HistoryBudget, model_context, new_message, recent_messages
from shared.db import utcnow
from shared.models import Chat, Message, MessageBy
from shared.providers.base import ChatMessage

Sessions = async_sessionmaker[AsyncSession]


@dataclass(frozen=True)
class PendingTurn:
    """A question not stored yet, with the model context that answers it."""

    caller: Caller
    chat_id: int
    content: str
    context: list[ChatMessage]
    model: str | None
    asked_at: datetime


async def pending_turn(
    session: AsyncSession, caller: Caller, chat: Chat, content: str, budget: HistoryBudget
) -> PendingTurn:
    """The stored history plus the new (not yet stored) question, within the budget."""
    history = (await session.scalars(recent_messages(chat.id, budget.max_messages - 1))).all()
    question = Message(chat_id=chat.id, message_by=MessageBy.USER, content=content)
    context = model_context(chat.agent.prompt, [question, *history], budget)
    await session.commit()  # hold no connection while the provider works
    return PendingTurn(caller, chat.id, content, context, chat.agent.model, utcnow())


async def store_turn(
    sessions: Sessions, turn: PendingTurn, reply: str
) -> tuple[Message, Message] | None:
    """Both messages in one transaction (None when the chat was deleted meanwhile)."""
    async with sessions() as session:
        chat = await session.scalar(chat_for(turn.caller, turn.chat_id))
        if chat is None:
            return None
        question = new_message(chat, turn.caller, MessageBy.USER, turn.content, turn.asked_at)
        answer = new_message(chat, turn.caller, MessageBy.AI, reply)
        session.add_all([question, answer])
        await session.commit()
        return question, answer


async def keep_question(sessions: Sessions, turn: PendingTurn) -> int | None:
    """Store the question alone (the reply failed) so the API's retry endpoint can answer it."""
    async with sessions() as session:
        chat = await session.scalar(chat_for(turn.caller, turn.chat_id))
        if chat is None:
            return None
        question = new_message(chat, turn.caller, MessageBy.USER, turn.content, turn.asked_at)
        session.add(question)
        await session.commit()
        return question.id


def message_json(message: Message) -> dict[str, Any]:
    """A stored message as the API shows it."""
    return {
        "id": message.id,
        "chat_id": message.chat_id,
        "message_by": message.message_by.value,
        "content": message.content,
        "created_at": message.created_at.isoformat(),
    }
