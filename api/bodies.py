"""JSON bodies are checked by the shared rule (shared/web/jsonbody.py) before any view parses them.

A refused body raises BadBody, answered by the shared error table (shared/web/error_table.py).
"""

from __future__ import annotations

from flask import Flask, request

from shared.web.jsonbody import check_json_body, is_json_media_type


def check_body() -> None:
    if request.mimetype and is_json_media_type(request.mimetype):
        check_json_body(request.get_data(cache=True))


def register(app: Flask) -> None:
    app.before_request(check_body)
