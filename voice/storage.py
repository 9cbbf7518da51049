"""The voice service's side of the turn engine: the history budget and the one message wire
format (`MessageOut`)."""

from __future__ import annotations

from typing import Any

from shared.chats.conversation import HistoryBudget
from shared.core.models import Message
from voice.deps import app_config
from voice.schemas import MessageOut


def message_json(message: Message) -> dict[str, Any]:
    """A stored message as both services show it, through its documented model."""
    return MessageOut.model_validate(message).model_dump(mode="json")


def history_budget() -> HistoryBudget:
    return HistoryBudget.of(app_config())
