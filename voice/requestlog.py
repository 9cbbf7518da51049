"""Request ids and one structured log line per voice request (see shared/web/requestlog.py).

Quart would run plain hooks in a worker thread, so the shared ones are wrapped in coroutines.
"""

from __future__ import annotations

from quart import Quart, Response, g, request

from shared.web import requestlog


async def start_request() -> None:
    requestlog.start(g, request)


async def finish_request(response: Response) -> Response:
    return requestlog.finish("voice", g, request, response)


def register(app: Quart) -> None:
    requestlog.configure_logging()
    app.before_request(start_request)
    app.after_request(finish_request)
