"""Liveness with a real database check, and which speech engines are active and installed."""

from __future__ import annotations

from typing import Any

from quart import Blueprint
from quart_schema import document_response, security_scheme, tag

from shared.providers.offline_speech import offline_engines
from shared.providers.registry import speech_engines
from shared.web.health import DATABASE_PROBE, health_report
from voice.database import db
from voice.deps import app_config
from voice.lifecycle import model_health
from voice.schemas import ErrorOut, HealthOut

bp = Blueprint("health", __name__, url_prefix="/voice")


@bp.get("/health")
@tag(["Health"])
@security_scheme([])
@document_response(HealthOut, 200)
@document_response(ErrorOut, 503)
async def health() -> dict[str, Any]:
    """Check the service and its database"""
    await db().execute(DATABASE_PROBE)
    providers = speech_engines(app_config())
    return health_report(providers, await model_health(), offline_engines=offline_engines())
