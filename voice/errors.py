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
    refusal,
    retry_after_header,
    turn_failure,
)
from shared.providers.base import ProviderError
from shared.ratelimit import Throttled
from shared.turns.failures import TurnFailed, TurnRefused
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


def error_response(
    code: int, message: str, errors: Any = None, headers: dict[str, str] | None = None
) -> Response:
    response = jsonify(envelope(code, message, errors))
    response.status_code = code
    response.headers.update(headers or {})
    return response


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


def describe_limit(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):g} MiB"
    return f"{limit / 1024:g} KiB"


async def handle_too_large(_exc: RequestEntityTooLarge) -> Response:
    limit = request.max_content_length
    if limit is None:
        return error_response(413, DEFAULT_MESSAGES[413])
    return error_response(
        413, f"The request body is larger than the {describe_limit(limit)} limit."
    )


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
    errors: dict[str, Any] = {"audio": [exc.message]}
    if exc.reason:
        errors["reason"] = exc.reason
    return error_response(exc.status, exc.message, errors)


async def handle_provider(exc: ProviderError) -> Response:
    """A provider failed before anything was stored (transcription)."""
    return _provider_response(exc, provider_failure(exc))


async def handle_turn_failed(exc: TurnFailed) -> Response:
    return _provider_response(exc.error, turn_failure(exc))


async def handle_turn_refused(exc: TurnRefused) -> Response:
    response = jsonify(refusal(exc))
    response.status_code = exc.status
    return response


def _provider_response(exc: ProviderError, body: dict[str, Any]) -> Response:
    response = jsonify(body)
    response.status_code = exc.status
    response.headers.update(retry_after_header(exc))
    return response


async def handle_throttled(exc: Throttled) -> Response:
    headers = {"Retry-After": str(exc.retry_after)}
    return error_response(429, exc.message, {"reason": "rate_limited"}, headers)


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
        (TurnFailed, handle_turn_failed),
        (TurnRefused, handle_turn_refused),
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
