"""Conversation rules: what history the model sees, and how a new message marks its chat.

The functions here build statements and objects; each service executes them with its own
session (sync in the API, async in the voice service), so the rules exist once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from shared.access import Caller
from shared.config import Config
from shared.db import utcnow
from shared.models import Chat, Message, MessageBy
from shared.providers.base import ChatMessage

DEFAULT_CHAT_TITLE = "New chat"
TITLE_CHARS = 60


@dataclass(frozen=True)
class HistoryBudget:
    """How much history goes to the model: at most `max_messages`, at most `max_chars` in total."""

    max_messages: int
    max_chars: int

    @classmethod
    def of(cls, config: Config) -> HistoryBudget:
        """The budget HISTORY_MAX_MESSAGES and HISTORY_BUDGET_CHARS configure."""
        return cls(config.history_max_messages, config.history_budget_chars)


def model_context(
    prompt: str, newest_first: Sequence[Message], budget: HistoryBudget
) -> list[ChatMessage]:
    """The agent prompt plus the most recent history that fits the budget, oldest first.

    The newest message is always included, so the model always sees what it must answer.
    """
    kept: list[Message] = []
    used = 0
    for message in newest_first[: budget.max_messages]:
        if kept and used + len(message.content) > budget.max_chars:
            break
        kept.append(message)
        used += len(message.content)
    context: list[ChatMessage] = [{"role": "system", "content": prompt}]
    for message in reversed(kept):
        if message.message_by is MessageBy.USER:
            context.append({"role": "user", "content": message.content})
        else:
            context.append({"role": "assistant", "content": message.content})
    return context


def new_message(
    chat: Chat, caller: Caller, by: MessageBy, content: str, at: datetime | None = None
) -> Message:
    """A message for `chat`, marking the chat's last activity (and naming an untitled chat)."""
    now = at or utcnow()
    chat.updated_at = now
    if by is MessageBy.USER and chat.title == DEFAULT_CHAT_TITLE:
        chat.title = title_from(content)
    return Message(
        chat_id=chat.id, user_id=caller.user_id, message_by=by, content=content, created_at=now
    )


def title_from(content: str) -> str:
    words = " ".join(content.split())
    if len(words) <= TITLE_CHARS:
        return words or DEFAULT_CHAT_TITLE
    return words[: TITLE_CHARS - 1].rsplit(" ", 1)[0] + "…"
