"""Request ids and one structured log line per API request (see shared/web/requestlog.py).

Flask runs plain functions as hooks, so the shared ones are registered as they are.
"""

from __future__ import annotations

from functools import partial

from flask import Flask, g, request

from shared.web import requestlog


def register(app: Flask) -> None:
    requestlog.configure_logging()
    app.before_request(partial(requestlog.start, g, request))
    app.after_request(partial(requestlog.finish, "api", g, request))
