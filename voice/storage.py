"""The voice service's side of the turn engine: the shared store on async sessions, the
reply writer kept on the app, and the one message wire format (`MessageOut`)."""

from __future__ import annotations

from typing import Any, cast

from quart import current_app

from shared.conversation import HistoryBudget
from shared.models import Message
from shared.turns.generation import Writer
from voice.schemas import MessageOut
from voice.settings import app_config


def message_json(message: Message) -> dict[str, Any]:
    """A stored message as both services show it, through its documented model."""
    return MessageOut.model_validate(message).model_dump(mode="json")


def writer() -> Writer:
    return cast(Writer, current_app.extensions["voice_writer"])


def history_budget() -> HistoryBudget:
    return HistoryBudget.of(app_config())
