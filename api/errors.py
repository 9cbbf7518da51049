"""Every error the API returns, in the one envelope: shared/web/error_table.py decides, this
module answers with Flask (and with flask-jwt-extended's token refusals)."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from api.extensions import db, jwt
from shared.auth.standing import ACCOUNT_GONE, MISSING_TOKEN, REVOKED
from shared.auth.tokens import EXPIRED
from shared.turns.failures import retry_reply
from shared.web.error_table import HANDLED, ErrorReply, error_reply, http_reply, reply_for


def as_response(reply: ErrorReply) -> Response:
    response = jsonify(reply.body)
    response.status_code = reply.status
    response.headers.update(reply.headers)
    return response


def error_response(code: int, message: str, errors: Any = None, headers: Any = None) -> Response:
    return as_response(error_reply(code, message, errors, headers))


def handle_http(exc: HTTPException) -> Response:
    allowed = getattr(exc, "valid_methods", None)
    data = getattr(exc, "data", None)  # webargs/flask-smorest put the field errors here
    return as_response(http_reply(exc.code or 500, exc.description, allowed, data))


def handle_error(exc: Exception) -> Response:
    db.session.rollback()  # nothing half-done is kept, whatever failed
    chat_id = (request.view_args or {}).get("chat_id")
    return as_response(reply_for(exc, retry_reply(chat_id) if chat_id is not None else None))


def register(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http)
    for kind in HANDLED:
        app.register_error_handler(kind, handle_error)


def _unauthorized(message: str) -> Response:
    return error_response(401, message, headers={"WWW-Authenticate": "Bearer"})


@jwt.unauthorized_loader
def missing_token(reason: str) -> Response:
    return _unauthorized(MISSING_TOKEN)


@jwt.invalid_token_loader
def invalid_token(reason: str) -> Response:
    return _unauthorized("The token is invalid.")


@jwt.expired_token_loader
def expired_token(_header: dict[str, Any], _claims: dict[str, Any]) -> Response:
    return _unauthorized(EXPIRED)


@jwt.revoked_token_loader
def revoked_token(_header: dict[str, Any], _claims: dict[str, Any]) -> Response:
    return _unauthorized(REVOKED)


@jwt.user_lookup_error_loader
def unknown_user(_header: dict[str, Any], _claims: dict[str, Any]) -> Response:
    return _unauthorized(ACCOUNT_GONE)
