"""What a turn can end in besides a reply: a refusal before anything is stored, or a failure
that says which messages were kept; and the error envelope each of them answers with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.core.errors import envelope
from shared.core.models import Message
from shared.providers.base import ProviderError, ProviderTimeout, ProviderUnavailable


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


def retry_reply(chat_id: int) -> str:
    """How a client asks again for the reply to a kept message (the API's retry endpoint)."""
    return f"POST /api/chats/{chat_id}/messages/retry"


def provider_failure(exc: ProviderError, retry_path: str | None = None) -> dict[str, Any]:
    """The envelope for a failed upstream call: which stage failed, what was kept, how to retry."""
    errors: dict[str, Any] = {
        "stage": exc.stage,
        "retryable": True,
        "reason": failure_reason(exc),
    }
    if retry_path:
        errors["retry"] = retry_path
    if exc.retry_after is not None:
        errors["retry_after"] = exc.retry_after
    return envelope(exc.status, exc.message, errors)


# The one table from a provider failure to the stable code clients branch on (errors.reason).
FAILURE_REASONS: tuple[tuple[type[ProviderError], str], ...] = (
    (ReplyInterrupted, "interrupted"),
    (ProviderTimeout, "provider_timeout"),
    (ProviderUnavailable, "provider_unavailable"),
    (ProviderError, "provider_error"),
)


def failure_reason(exc: ProviderError) -> str:
    return next(reason for kind, reason in FAILURE_REASONS if isinstance(exc, kind))


def turn_failure(exc: TurnFailed) -> dict[str, Any]:
    """The envelope for a turn whose provider failed: the stage, the reason, what was kept
    (`user_message_id`, `ai_message_id`) and, when the reply failed, how to ask again."""
    kept = exc.kept
    retry = retry_reply(kept.chat_id) if exc.error.stage == "llm" else None
    body = provider_failure(exc.error, retry)
    ids = {"user_message_id": kept.user_message_id, "ai_message_id": kept.ai_message_id}
    body["errors"].update({key: value for key, value in ids.items() if value is not None})
    return body


# A failed reply read back from the database (by a follower in another process).
STORED_FAILURES = {
    "interrupted": (503, "The reply was interrupted (the service stopped); ask again."),
    "provider_timeout": (504, "The AI provider did not answer in time."),
    "provider_unavailable": (503, "The AI provider is unavailable; try again shortly."),
    "provider_error": (502, "The AI provider failed."),
}


def stored_failure(reply: Message) -> dict[str, Any]:
    """The envelope for a reply stored as failed, as its writer reported it."""
    reason = reply.error_reason if reply.error_reason in STORED_FAILURES else "provider_error"
    status, message = STORED_FAILURES[reason]
    errors: dict[str, Any] = {
        "stage": reply.error_stage or "llm",
        "retryable": True,
        "reason": reason,
        "ai_message_id": reply.id,
        "retry": retry_reply(reply.chat_id),
    }
    if reply.parent_id is not None:
        errors["user_message_id"] = reply.parent_id
    return envelope(status, message, errors)


def refusal(exc: TurnRefused) -> dict[str, Any]:
    """The envelope for a turn refused before anything was stored."""
    return envelope(exc.status, exc.message, {"reason": exc.reason})


def retry_after_header(exc: ProviderError) -> dict[str, str]:
    if exc.retry_after is None:
        return {}
    return {"Retry-After": str(max(1, round(exc.retry_after)))}
