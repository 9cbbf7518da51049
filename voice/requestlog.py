"""Request ids and one structured log line per voice request (the API's format)."""

from __future__ import annotations

import time

from quart import Quart, Response, g, request

from shared.requestlog import REQUEST_ID_HEADER, configure_logging, log_request, request_id_from


async def start_request() -> None:
    g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
    g.request_started = time.perf_counter()


async def finish_request(response: Response) -> Response:
    request_id = g.get("request_id") or request_id_from(None)
    response.headers[REQUEST_ID_HEADER] = request_id
    started = g.get("request_started", time.perf_counter())
    log_request(
        "voice",
        request_id,
        started,
        request.method,
        request.path,
        response.status_code,
        request.remote_addr,
    )
    return response


def register(app: Quart) -> None:
    configure_logging()
    app.before_request(start_request)
    app.after_request(finish_request)
