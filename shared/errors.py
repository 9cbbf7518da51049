"""The one JSON error envelope both services answer with, for every status."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from shared.models import Message
from shared.providers.base import ProviderError, ProviderTimeout, ProviderUnavailable
from shared.turns.failures import ReplyInterrupted, TurnFailed, TurnRefused

# The sentence for a status when the code that raised it gave none.
DEFAULT_MESSAGES = {
    400: "The request could not be understood.",
    404: "Not found.",
    405: "That method is not allowed here.",
    413: "The request body is larger than the allowed limit.",
    415: "That media type is not supported here.",
    422: "The request has invalid fields.",
}
DATABASE_UNAVAILABLE = "The database is unavailable; try again shortly."


def retry_reply(chat_id: int) -> str:
    """How a client asks again for the reply to a kept message (the API's retry endpoint)."""
    return f"POST /api/chats/{chat_id}/messages/retry"


def envelope(code: int, message: str, errors: dict[str, Any] | None = None) -> dict[str, Any]:
    """`{"code", "status", "message", "errors"?}`: status is the HTTP reason phrase."""
    try:
        status = HTTPStatus(code).phrase
    except ValueError:
        status = "Error"
    body: dict[str, Any] = {"code": code, "status": status, "message": message}
    if errors:
        body["errors"] = errors
    return body


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


def first_error_sentence(errors: Any, prefix: str = "") -> str | None:
    """A readable sentence from nested validation errors, e.g. 'content: Longer than 4000.'"""
    if isinstance(errors, dict):
        for key, value in errors.items():
            label = key if key not in ("json", "query", "form", "files", "_schema") else ""
            found = first_error_sentence(value, f"{prefix}.{label}".strip(".") if label else prefix)
            if found:
                return found
    elif isinstance(errors, list) and errors:
        if all(isinstance(item, str) for item in errors):
            return f"{prefix}: {errors[0]}" if prefix else str(errors[0])
        return first_error_sentence(errors[0], prefix)
    elif isinstance(errors, str):
        return f"{prefix}: {errors}" if prefix else errors
    return None
