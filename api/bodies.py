"""JSON bodies are checked by the shared rule (shared/jsonbody.py) before any view parses them."""

from __future__ import annotations

from flask import Flask, Response, request

from api.errors import error_response
from shared.jsonbody import BadBody, check_json_body, is_json_media_type


def check_body() -> None:
    if request.mimetype and is_json_media_type(request.mimetype):
        check_json_body(request.get_data(cache=True))


def handle_bad_body(exc: BadBody) -> Response:
    return error_response(exc.status, exc.message, exc.errors)


def register(app: Flask) -> None:
    app.before_request(check_body)
    app.register_error_handler(BadBody, handle_bad_body)
