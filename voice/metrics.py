"""`GET /metrics` of the voice service in Prometheus format, for METRICS_ALLOW addresses only."""

from __future__ import annotations

from quart import Blueprint, Response
from quart_schema import hide

from shared.core.metrics import exposition, may_read
from voice.deps import app_config
from voice.errors import Problem
from voice.services import client_ip

bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
@hide
async def metrics() -> Response:
    if not may_read(client_ip(), app_config().metrics_allow):
        raise Problem(404, "Not found.")
    body, content_type = exposition()
    return Response(body, 200, {"Cache-Control": "no-store"}, content_type=content_type)
