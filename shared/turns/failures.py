"""What a turn can end in besides a reply: a refusal before anything is stored, or a failure
that says which messages were kept."""

from __future__ import annotations

from dataclasses import dataclass

from shared.providers.base import ProviderError, ProviderUnavailable


class TurnRefused(Exception):
    """The turn cannot start: nothing was stored. `reason` is a stable code for clients."""

    def __init__(self, status: int, message: str, reason: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.reason = reason


def chat_not_found() -> TurnRefused:
    return TurnRefused(404, "Chat not found.", "not_found")


def message_not_found() -> TurnRefused:
    return TurnRefused(404, "Message not found.", "not_found")


@dataclass(frozen=True)
class Kept:
    """The messages of a failed turn that stay stored (the AI one as `failed`)."""

    chat_id: int
    user_message_id: int | None
    ai_message_id: int | None


class TurnFailed(Exception):
    """A provider failed during the turn; `kept` says what is stored, `error` what failed."""

    def __init__(self, error: ProviderError, kept: Kept) -> None:
        super().__init__(error.message)
        self.error = error
        self.kept = kept


class ReplyInterrupted(ProviderUnavailable):
    """The service stopped (or restarted) while the reply was written."""


def interrupted() -> ReplyInterrupted:
    return ReplyInterrupted(
        "The reply was interrupted (the service stopped); ask again.", stage="llm"
    )
