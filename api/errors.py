"""Every error the API returns, in the one envelope (see shared/errors.py)."""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from api.extensions import db, jwt
from shared.budgets import QuotaExceeded
from shared.errors import (
    DATABASE_UNAVAILABLE,
    DEFAULT_MESSAGES,
    envelope,
    first_error_sentence,
    provider_failure,
    refusal,
    retry_after_header,
    retry_reply,
    turn_failure,
)
from shared.providers.base import ProviderError
from shared.ratelimit import Throttled
from shared.turns.failures import TurnFailed, TurnRefused
from shared.validation import InvalidInput

log = logging.getLogger(__name__)


def error_response(code: int, message: str, errors: Any = None, headers: Any = None) -> Response:
    response = jsonify(envelope(code, message, errors))
    response.status_code = code
    response.headers.update(headers or {})
    return response


def handle_http(exc: HTTPException) -> Response:
    code = exc.code or 500
    data: dict[str, Any] = getattr(exc, "data", None) or {}
    errors = data.get("messages") or data.get("errors")
    message = data.get("message")
    if not message and errors:
        sentence = first_error_sentence(errors)
        message = f"Invalid input: {sentence}" if sentence and code == 422 else sentence
    if not message:
        message = DEFAULT_MESSAGES.get(code) or exc.description or "Error."
    headers = dict(data.get("headers") or {})
    if code == 405 and exc.valid_methods:  # type: ignore[attr-defined]
        headers["Allow"] = ", ".join(exc.valid_methods)  # type: ignore[attr-defined]
    return error_response(code, message, errors, headers)


def handle_invalid_input(exc: InvalidInput) -> Response:
    return error_response(422, exc.message, {exc.field: [exc.message]})


def handle_provider(exc: ProviderError) -> Response:
    chat_id = (request.view_args or {}).get("chat_id")
    retry = retry_reply(chat_id) if chat_id is not None else None
    response = jsonify(provider_failure(exc, retry))
    response.status_code = exc.status
    response.headers.update(retry_after_header(exc))
    return response


def handle_turn_failed(exc: TurnFailed) -> Response:
    response = jsonify(turn_failure(exc))
    response.status_code = exc.error.status
    response.headers.update(retry_after_header(exc.error))
    return response


def handle_turn_refused(exc: TurnRefused) -> Response:
    db.session.rollback()
    response = jsonify(refusal(exc))
    response.status_code = exc.status
    return response


def handle_throttled(exc: Throttled) -> Response:
    headers = {"Retry-After": str(exc.retry_after)}
    return error_response(429, exc.message, {"reason": "rate_limited"}, headers)


def handle_quota(exc: QuotaExceeded) -> Response:
    headers = {"Retry-After": str(exc.retry_after)}
    return error_response(429, exc.message, exc.details(), headers=headers)


def handle_database(exc: sa.exc.DBAPIError) -> Response:
    db.session.rollback()
    log.error("database error: %s", type(exc.orig).__name__ if exc.orig else exc)
    return error_response(503, DATABASE_UNAVAILABLE)


def handle_unexpected(exc: Exception) -> Response:
    log.exception("unhandled error")
    return error_response(500, "An unexpected error occurred.")


def register(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(InvalidInput, handle_invalid_input)
    app.register_error_handler(ProviderError, handle_provider)
    app.register_error_handler(TurnFailed, handle_turn_failed)
    app.register_error_handler(TurnRefused, handle_turn_refused)
    app.register_error_handler(Throttled, handle_throttled)
    app.register_error_handler(QuotaExceeded, handle_quota)
    app.register_error_handler(sa.exc.OperationalError, handle_database)
    app.register_error_handler(sa.exc.InterfaceError, handle_database)
    app.register_error_handler(Exception, handle_unexpected)


def _unauthorized(message: str) -> Response:
    return error_response(401, message, headers={"WWW-Authenticate": "Bearer"})


@jwt.unauthorized_loader
def missing_token(reason: str) -> Response:
    return _unauthorized("Authentication required: send 'Authorization: Bearer <token>'.")


@jwt.invalid_token_loader
def invalid_token(reason: str) -> Response:
    return _unauthorized("The token is invalid.")


@jwt.expired_token_loader
def expired_token(_header: dict[str, Any], _claims: dict[str, Any]) -> Response:
    return _unauthorized("The token has expired.")


@jwt.revoked_token_loader
def revoked_token(_header: dict[str, Any], _claims: dict[str, Any]) -> Response:
    return _unauthorized("The token has been revoked.")


@jwt.user_lookup_error_loader
def unknown_user(_header: dict[str, Any], _claims: dict[str, Any]) -> Response:
    return _unauthorized("The token's account no longer exists.")
