"""Security headers on every API response (see shared/web/security_headers.py)."""

from __future__ import annotations

from flask import Flask, Response, request

from shared.web.security_headers import is_docs_page, missing_headers


def add_security_headers(response: Response) -> Response:
    docs = is_docs_page(request.path, response.mimetype) and not response.direct_passthrough
    html = response.get_data(as_text=True) if docs else None
    response.headers.update(
        missing_headers(response.headers.keys(), request.path, response.mimetype, html)
    )
    return response


def register(app: Flask) -> None:
    app.after_request(add_security_headers)
