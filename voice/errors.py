"""Every error the voice service returns, in the one envelope: shared/web/error_table.py decides,
this module answers with Quart (plus what only this service raises: Problem, audio, pydantic)."""

from __future__ import annotations

from typing import Any

from quart import Quart, Response, jsonify, request
from quart_schema import RequestSchemaValidationError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from shared.media.audio import InvalidAudio
from shared.web.error_table import (
    HANDLED,
    ErrorReply,
    error_reply,
    http_reply,
    reply_for,
    too_large_reply,
)


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
        self.reply = error_reply(code, message, errors, headers)


def unauthorized(message: str) -> Problem:
    return Problem(401, message, headers={"WWW-Authenticate": "Bearer"})


def as_response(reply: ErrorReply) -> Response:
    response = jsonify(reply.body)
    response.status_code = reply.status
    response.headers.update(reply.headers)
    return response


async def handle_problem(exc: Problem) -> Response:
    return as_response(exc.reply)


async def handle_http(exc: HTTPException) -> Response:
    allowed = getattr(exc, "valid_methods", None)
    return as_response(http_reply(exc.code or 500, exc.description, allowed))


async def handle_too_large(_exc: RequestEntityTooLarge) -> Response:
    return as_response(too_large_reply(request.max_content_length))


async def handle_schema(exc: RequestSchemaValidationError) -> Response:
    errors = _validation_errors(exc.validation_error)
    return as_response(http_reply(422, data={"errors": errors}))


def _validation_errors(error: Any) -> dict[str, list[str]]:
    """Pydantic's error list as {field: [sentences]}, like the API's marshmallow errors."""
    found: dict[str, list[str]] = {}
    for item in getattr(error, "errors", lambda: [])():
        field = ".".join(str(part) for part in item.get("loc", ())) or "json"
        found.setdefault(field, []).append(str(item.get("msg", "Invalid value.")))
    return found


async def handle_invalid_audio(exc: InvalidAudio) -> Response:
    errors: dict[str, Any] = {"audio": [exc.message]}
    if exc.reason:
        errors["reason"] = exc.reason
    return as_response(error_reply(exc.status, exc.message, errors))


async def handle_error(exc: Exception) -> Response:
    return as_response(reply_for(exc))


def register(app: Quart) -> None:
    app.register_error_handler(Problem, handle_problem)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(RequestEntityTooLarge, handle_too_large)
    app.register_error_handler(RequestSchemaValidationError, handle_schema)
    app.register_error_handler(InvalidAudio, handle_invalid_audio)
    for kind in HANDLED:
        app.register_error_handler(kind, handle_error)
