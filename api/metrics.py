"""`GET /metrics` of the API in Prometheus format, for the addresses in METRICS_ALLOW only."""

from __future__ import annotations

from flask import Blueprint, Response

from api.deps import app_config
from api.http import abort
from api.throttle import client_ip
from shared.core.metrics import exposition, may_read

bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
def metrics() -> Response:
    if not may_read(client_ip(), app_config().metrics_allow):
        abort(404, "Not found.")
    body, content_type = exposition()
    return Response(body, 200, {"Cache-Control": "no-store"}, content_type=content_type)
