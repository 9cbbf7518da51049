"""Every error the voice service returns, in the one envelope (see shared/errors.py)."""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from quart import Quart, Response, jsonify, request
from quart_schema import RequestSchemaValidationError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from shared.audio import InvalidAudio
from shared.budgets import QuotaExceeded
from shared.errors import (
    DATABASE_UNAVAILABLE,
    DEFAULT_MESSAGES,
    envelope,
    first_error_sentence,
    provider_failure,
    retry_after_header,
    retry_reply,
)
from shared.providers.base import ProviderError
from shared.ratelimit import Throttled
from shared.validation import InvalidInput

log = logging.getLogger(__name__)


class Problem(Exception):
    """A client-facing error: status, sentence, optional field errors and headers."""

    def __init__(
        self,
        code: int,
        message: str,
        errors: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.errors = errors
        self.headers = headers or {}


def unauthorized(message: str) -> Problem:
    return Problem(401, message, headers={"WWW-Authenticate": "Bearer"})


class SpeechFailed(Exception):
    """Text-to-speech failed after both messages of the turn were stored."""

    def __init__(self, error: ProviderError, user_message_id: int, ai_message_id: int) -> None:
        super().__init__(error.message)
        self.error = error
        error.kept_message_id = user_message_id
        self.ai_message_id = ai_message_id


def error_response(
    code: int, message: str, errors: Any = None, headers: dict[str, str] | None = None
) -> Response:
    response = jsonify(envelope(code, message, errors))
    response.status_code = code
    response.headers.update(headers or {})
    return response


def retry_path(exc: ProviderError) -> str | None:
    """Where the client asks again: only a failed reply can be retried without re-recording."""
    chat_id = (request.view_args or {}).get("chat_id")
    if exc.stage == "llm" and exc.kept_message_id is not None and chat_id is not None:
        return retry_reply(chat_id)
    return None


async def handle_problem(exc: Problem) -> Response:
    return error_response(exc.code, exc.message, exc.errors, exc.headers)


async def handle_http(exc: HTTPException) -> Response:
    code = exc.code or 500
    headers: dict[str, str] = {}
    if code == 405 and getattr(exc, "valid_methods", None):
        headers["Allow"] = ", ".join(exc.valid_methods)  # type: ignore[attr-defined]
    return error_response(
        code, DEFAULT_MESSAGES.get(code) or exc.description or "Error.", None, headers
    )


async def handle_too_large(_exc: RequestEntityTooLarge) -> Response:
    return error_response(413, DEFAULT_MESSAGES[413])


async def handle_schema(exc: RequestSchemaValidationError) -> Response:
    errors = _validation_errors(exc.validation_error)
    sentence = first_error_sentence(errors) if errors else None
    message = f"Invalid input: {sentence}" if sentence else DEFAULT_MESSAGES[422]
    return error_response(422, message, errors or None)


def _validation_errors(error: Any) -> dict[str, list[str]]:
    """Pydantic's error list as {field: [sentences]}, like the API's marshmallow errors."""
    found: dict[str, list[str]] = {}
    for item in getattr(error, "errors", lambda: [])():
        field = ".".join(str(part) for part in item.get("loc", ())) or "json"
        found.setdefault(field, []).append(str(item.get("msg", "Invalid value.")))
    return found


async def handle_invalid_input(exc: InvalidInput) -> Response:
    return error_response(422, exc.message, {exc.field: [exc.message]})


async def handle_invalid_audio(exc: InvalidAudio) -> Response:
    return error_response(exc.status, exc.message, {"audio": [exc.message]})


async def handle_provider(exc: ProviderError) -> Response:
    return _provider_response(exc)


async def handle_speech_failed(exc: SpeechFailed) -> Response:
    return _provider_response(exc.error, {"ai_message_id": exc.ai_message_id})


def _provider_response(exc: ProviderError, extra: dict[str, Any] | None = None) -> Response:
    body = provider_failure(exc, retry_path(exc))
    body.setdefault("errors", {}).update(extra or {})
    response = jsonify(body)
    response.status_code = exc.status
    response.headers.update(retry_after_header(exc))
    return response


async def handle_throttled(exc: Throttled) -> Response:
    return error_response(429, exc.message, headers={"Retry-After": str(exc.retry_after)})


async def handle_quota(exc: QuotaExceeded) -> Response:
    headers = {"Retry-After": str(exc.retry_after)}
    return error_response(429, exc.message, exc.details(), headers)


async def handle_database(exc: Exception) -> Response:
    cause = getattr(exc, "orig", None) or exc
    log.error("database error: %s", type(cause).__name__)
    return error_response(503, DATABASE_UNAVAILABLE)


async def handle_unexpected(exc: Exception) -> Response:
    log.exception("unhandled error")
    return error_response(500, "An unexpected error occurred.")


def register(app: Quart) -> None:
    handlers: list[tuple[type[Exception], Any]] = [
        (Problem, handle_problem),
        (HTTPException, handle_http),
        (RequestEntityTooLarge, handle_too_large),
        (RequestSchemaValidationError, handle_schema),
        (InvalidInput, handle_invalid_input),
        (InvalidAudio, handle_invalid_audio),
        (ProviderError, handle_provider),
        (SpeechFailed, handle_speech_failed),
        (Throttled, handle_throttled),
        (QuotaExceeded, handle_quota),
        (sa.exc.OperationalError, handle_database),
        (sa.exc.InterfaceError, handle_database),
        # asyncpg raises these unwrapped when it cannot connect at all.
        (ConnectionError, handle_database),
        (TimeoutError, handle_database),
        (Exception, handle_unexpected),
    ]
    for exception, handler in handlers:
        app.register_error_handler(exception, handler)
