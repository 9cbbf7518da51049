"""`GET /api/usage`: the caller's token budgets, so the UI can warn before one runs out."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from api.auth import current_caller, login_required
from api.deps import app_config
from api.extensions import db
from api.throttle import client_ip
from api.usage_schemas import BudgetsSchema
from shared.usage.budgets import WINDOW
from shared.usage.report import caller_budgets

blp = Blueprint("usage", __name__, url_prefix="/api", description="Token budgets")


@blp.route("/usage")
class Usage(MethodView):
    @blp.response(200, BudgetsSchema)
    @login_required
    def get(self) -> dict[str, Any]:
        """The caller's token budgets over the rolling day"""
        budgets = caller_budgets(db.session, app_config(), current_caller(), client_ip())
        return {"window_hours": int(WINDOW.total_seconds() // 3600), "budgets": budgets}
