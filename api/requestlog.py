"""Request ids and one structured log line per API request (see shared/requestlog.py)."""

from __future__ import annotations

from flask import Flask, Response, g, request

from shared import requestlog


def start_request() -> None:
    requestlog.start(g, request)


def finish_request(response: Response) -> Response:
    requestlog.finish("api", g, request, response)
    return response


def register(app: Flask) -> None:
    requestlog.configure_logging()
    app.before_request(start_request)
    app.after_request(finish_request)
