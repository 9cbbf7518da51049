"""Security headers on every voice response (see shared/web/security_headers.py)."""

from __future__ import annotations

from quart import Quart, Response, request

from shared.web.security_headers import is_docs_page, missing_headers


async def add_security_headers(response: Response) -> Response:
    html = None
    if is_docs_page(request.path, response.mimetype):
        html = await response.get_data(as_text=True)
    response.headers.update(
        missing_headers(response.headers.keys(), request.path, response.mimetype, html)
    )
    return response


def register(app: Quart) -> None:
    app.after_request(add_security_headers)
