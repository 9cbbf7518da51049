"""From an exception to the error a client gets: the one table both services answer with.

Each service keeps a thin adapter (api/errors.py, voice/errors.py) that turns an `ErrorReply`
into its framework's response; what the status, envelope and headers are is decided here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from shared.usage.budgets import QuotaExceeded
from shared.core.errors import DATABASE_UNAVAILABLE, DEFAULT_MESSAGES, envelope, first_error_sentence
from shared.turns.failures import provider_failure, refusal, retry_after_header, turn_failure
from shared.web.jsonbody import BadBody
from shared.providers.base import ProviderError
from shared.limits.ratelimit import Throttled
from shared.auth.tokens import TokenError
from shared.turns.failures import TurnFailed, TurnRefused
from shared.core.validation import InvalidInput

log = logging.getLogger("chatbot.errors")
UNEXPECTED = "An unexpected error occurred."


@dataclass(frozen=True)
class ErrorReply:
    """What to answer: the HTTP status, the JSON envelope and any extra headers."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def error_reply(
    code: int, message: str, errors: Any = None, headers: Mapping[str, str] | None = None
) -> ErrorReply:
    return ErrorReply(code, envelope(code, message, errors), dict(headers or {}))


def http_reply(
    code: int,
    description: str | None = None,
    allowed: Iterable[str] | None = None,
    data: Mapping[str, Any] | None = None,
) -> ErrorReply:
    """A framework's HTTP error; `data` holds a schema layer's `messages`/`errors`/`headers`."""
    data = data or {}
    errors = data.get("messages") or data.get("errors")
    message = data.get("message") or _invalid_sentence(code, errors)
    message = message or DEFAULT_MESSAGES.get(code) or description or "Error."
    headers = dict(data.get("headers") or {})
    if code == 405 and allowed:
        headers["Allow"] = ", ".join(allowed)
    return error_reply(code, message, errors, headers)


def _invalid_sentence(code: int, errors: Any) -> str | None:
    sentence = first_error_sentence(errors) if errors else None
    return f"Invalid input: {sentence}" if sentence and code == 422 else sentence


def describe_limit(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):g} MiB"
    return f"{limit / 1024:g} KiB"


def too_large_reply(limit: int | None) -> ErrorReply:
    """413 naming the limit the body passed, when the service knows it."""
    if limit is None:
        return error_reply(413, DEFAULT_MESSAGES[413])
    return error_reply(413, f"The request body is larger than the {describe_limit(limit)} limit.")


def provider_reply(exc: ProviderError, retry_path: str | None = None) -> ErrorReply:
    """An upstream failed before anything was stored; `retry_path` says how to ask again."""
    return ErrorReply(exc.status, provider_failure(exc, retry_path), retry_after_header(exc))


def _turn_failed(exc: TurnFailed) -> ErrorReply:
    return ErrorReply(exc.error.status, turn_failure(exc), retry_after_header(exc.error))


def _turn_refused(exc: TurnRefused) -> ErrorReply:
    return ErrorReply(exc.status, refusal(exc))


def _unauthenticated(exc: TokenError) -> ErrorReply:
    return error_reply(401, str(exc), headers={"WWW-Authenticate": "Bearer"})


def _invalid_input(exc: InvalidInput) -> ErrorReply:
    return error_reply(422, exc.message, {exc.field: [exc.message]})


def _bad_body(exc: BadBody) -> ErrorReply:
    return error_reply(exc.status, exc.message, exc.errors)


def _quota(exc: QuotaExceeded) -> ErrorReply:
    headers = {"Retry-After": str(exc.retry_after)}
    return error_reply(429, exc.message, exc.details(), headers)


def _throttled(exc: Throttled) -> ErrorReply:
    headers = {"Retry-After": str(exc.retry_after)}
    return error_reply(429, exc.message, {"reason": "rate_limited"}, headers)


def _database(exc: Exception) -> ErrorReply:
    cause = getattr(exc, "orig", None) or exc
    log.error("database error: %s", type(cause).__name__)
    return error_reply(503, DATABASE_UNAVAILABLE)


# Most specific first. asyncpg raises ConnectionError/TimeoutError unwrapped when it cannot
# connect at all; SQLAlchemy wraps the drivers' errors in OperationalError/InterfaceError.
REPLIES: tuple[tuple[type[Exception], Callable[[Any], ErrorReply]], ...] = (
    (TurnFailed, _turn_failed),
    (TurnRefused, _turn_refused),
    (TokenError, _unauthenticated),
    (InvalidInput, _invalid_input),
    (BadBody, _bad_body),
    (Throttled, _throttled),
    (QuotaExceeded, _quota),
    (sa.exc.OperationalError, _database),
    (sa.exc.InterfaceError, _database),
    (ConnectionError, _database),
    (TimeoutError, _database),
)
# What a service registers its one handler for (Exception: the logged 500 for anything else).
HANDLED: tuple[type[Exception], ...] = (
    ProviderError,
    *(kind for kind, _ in REPLIES),
    Exception,
)


def reply_for(exc: Exception, retry_path: str | None = None) -> ErrorReply:
    """The reply for `exc`: its row of the table, else a logged 500 that says nothing more.

    `retry_path` is how to ask again for a reply when a provider failed (the chat is known).
    """
    if isinstance(exc, ProviderError):
        return provider_reply(exc, retry_path)
    for kind, build in REPLIES:
        if isinstance(exc, kind):
            return build(exc)
    log.error("unhandled error", exc_info=exc)
    return error_reply(500, UNEXPECTED)
