"""Liveness with a real database check, and which providers are active."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from api.deps import app_config
from api.extensions import db
from api.models import model_health
from api.schemas import HealthSchema
from shared.providers.registry import speech_engines
from shared.web.health import DATABASE_PROBE, health_report

blp = Blueprint("health", __name__, url_prefix="/api", description="Service health")


@blp.route("/health")
class Health(MethodView):
    @blp.doc(security=[])
    @blp.response(200, HealthSchema)
    @blp.alt_response(503, description="The database is unreachable")
    def get(self) -> dict[str, Any]:
        """Check the service and its database"""
        db.session.execute(DATABASE_PROBE)
        return health_report(speech_engines(app_config()), model_health())
