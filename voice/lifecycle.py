"""Model lifecycle warnings for the voice service (the catalog's reads run off the loop)."""

from __future__ import annotations

import asyncio

from shared.catalog.lifecycle import ModelWarning
from shared.catalog.warnings import AGENT_MODELS, health_warnings
from voice.database import db
from voice.deps import app_config, catalog


async def model_health() -> list[ModelWarning]:
    """Warnings for the configured defaults and every agent's model, each logged once."""
    agent_models = (await db().scalars(AGENT_MODELS)).all()
    listing = await asyncio.to_thread(catalog().listing)
    warnings = health_warnings(app_config(), listing, agent_models)
    catalog().log_once(warnings)
    return warnings
