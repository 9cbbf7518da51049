"""The models and voices an agent may use, and the lifecycle warnings the caller can act on."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from api.auth import current_caller, login_required
from api.deps import app_config, catalog
from api.extensions import db
from api.schemas import ModelsSchema
from shared.catalog.choices import chat_models, check_agent_choices, speech_voices
from shared.catalog.lifecycle import ListedModel, ModelWarning
from shared.catalog.warnings import (
    AGENT_MODELS,
    agents_with_models,
    caller_warnings,
    health_warnings,
)
from shared.providers.registry import resolve, speech_api

blp = Blueprint("models", __name__, url_prefix="/api", description="Models and voices")


def listing() -> list[ListedModel] | None:
    return catalog().listing()


@blp.route("/models")
class Models(MethodView):
    @blp.response(200, ModelsSchema)
    @login_required
    def get(self) -> dict[str, Any]:
        """List the models and voices an agent can use

        `models` are the chat models of the upstream's `GET /v1/models` (read at start, then
        at most hourly; speech, realtime, embedding, image and moderation models are left out)
        with each model's announced `shutdown_date`; `voices` are the active speech provider's.
        `warnings` are the retiring or missing models the caller can act on: models of the
        caller's agents (`agent_ids`), and for admins also the configured defaults.
        """
        config = app_config()
        caller = current_caller()
        listed = listing()
        agents = db.session.execute(agents_with_models(caller)).all()
        tts = resolve(config.tts_provider, config)
        return {
            "models": [model.as_json() for model in chat_models(listed)],
            "voices": speech_voices(config),
            "default_model": config.openai_chat_model,
            "default_voice": config.openai_tts_voice,
            "speech_api": speech_api(config) if tts == "openai" else "offline",
            "warnings": caller_warnings(config, listed, caller, agents),
        }


def model_health() -> list[ModelWarning]:
    """Warnings for the configured defaults and every agent's model, each logged once."""
    agent_models = db.session.scalars(AGENT_MODELS).all()
    warnings = health_warnings(app_config(), listing(), agent_models)
    catalog().log_once(warnings)
    return warnings


def check_choices(changes: Mapping[str, Any], current: Mapping[str, Any]) -> None:
    """Non-admins may only pick allowed models and voices (422 naming the field)."""
    if not current_caller().is_admin:
        check_agent_choices(app_config(), listing(), changes, current)
