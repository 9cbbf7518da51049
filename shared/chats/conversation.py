"""Conversation rules: what history the model sees, and how a new message marks its chat.

The functions here build statements and objects; each service executes them with its own
session (sync in the API, async in the voice service), so the rules exist once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import sqlalchemy as sa

from shared.chats.plain_text import plain_text
from shared.core.config import Config
from shared.core.models import Chat, MessageBy
from shared.providers.base import ChatMessage

DEFAULT_CHAT_TITLE = "New chat"
TITLE_CHARS = 60


@dataclass(frozen=True)
class HistoryBudget:
    """How much history goes to the model: at most `max_messages`, at most `max_chars` in total."""

    max_messages: int
    max_chars: int
    # Reference passages from the agent's files, on top (shared/turns/references.py).
    knowledge_chars: int = 0

    @classmethod
    def of(cls, config: Config) -> HistoryBudget:
        """The budget HISTORY_MAX_MESSAGES, HISTORY_BUDGET_CHARS and KNOWLEDGE_BUDGET_CHARS
        configure."""
        return cls(
            config.history_max_messages, config.history_budget_chars, config.knowledge_budget_chars
        )


class Said(Protocol):
    """What the model sees of a message (a Message, or a row of its columns)."""

    @property
    def message_by(self) -> MessageBy: ...

    @property
    def content(self) -> str: ...


def model_context(
    prompt: str, newest_first: Sequence[Said], budget: HistoryBudget
) -> list[ChatMessage]:
    """The agent prompt plus the most recent history that fits the budget, oldest first.

    The newest message is always included, so the model always sees what it must answer.
    """
    kept: list[Said] = []
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


def retitled(title: sa.ColumnElement[str]) -> sa.ColumnElement[str]:
    """A chat's title once something is said in it: an untitled chat takes `title` (the
    `title_from` of what was said, usually as a bound parameter)."""
    return sa.case((Chat.title == DEFAULT_CHAT_TITLE, title), else_=Chat.title)


def title_from(content: str) -> str:
    """A chat's title from its first message: its plain words (no Markdown), cut at a word.
    Text that is all markup (e.g. a rule) keeps its characters rather than leave no title."""
    words = plain_text(content) or " ".join(content.split())
    if len(words) <= TITLE_CHARS:
        return words or DEFAULT_CHAT_TITLE
    return words[: TITLE_CHARS - 1].rsplit(" ", 1)[0] + "…"
