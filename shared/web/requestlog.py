"""Structured request logs with a request id, the same in both services.

Each request gets an id (the client's `X-Request-ID` when it is sane, else a new one), echoed
in the response header and written with one JSON log line. Tokens, bodies and query strings
are never logged.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from typing import Any

from shared.core import metrics

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

log = logging.getLogger("chatbot.requests")


def request_id_from(header_value: str | None) -> str:
    if header_value and _SANE_ID.match(header_value):
        return header_value
    return uuid.uuid4().hex


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        payload.update(getattr(record, "fields", {}))
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str)


def configure_logging(level: int = logging.INFO) -> None:
    """JSON lines on stderr for the app's loggers (idempotent)."""
    root = logging.getLogger("chatbot")
    if any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    root.propagate = False


def log_request(
    service: str,
    request_id: str,
    started: float,
    method: str,
    path: str,
    status: int,
    ip: str | None,
) -> None:
    """One line per request; `started` is the request's `time.perf_counter()` at arrival."""
    fields = {
        "service": service,
        "request_id": request_id,
        "method": method,
        "path": path,
        "status": status,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        "ip": ip,
    }
    log.info("request", extra={"fields": fields})


def start(state: Any, request: Any) -> None:
    """At arrival: the request id and start time, kept on the framework's `g` (`state`)."""
    state.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
    state.request_started = time.perf_counter()


def finish(service: str, state: Any, request: Any, response: Any) -> Any:
    """At the end: echo the request id and write the log line (Flask and Quart alike).

    Returns `response`, as an after-request hook must."""
    request_id = state.get("request_id") or request_id_from(None)
    response.headers[REQUEST_ID_HEADER] = request_id
    started = state.get("request_started", time.perf_counter())
    log_request(
        service,
        request_id,
        started,
        request.method,
        request.path,
        response.status_code,
        request.remote_addr,
    )
    route = request.url_rule.rule if request.url_rule is not None else "unmatched"
    seconds = time.perf_counter() - started
    metrics.observe_request(service, request.method, route, response.status_code, seconds)
    return response
