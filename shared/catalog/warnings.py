"""Lifecycle warnings as the services report them: health (every configured and agent model)
and a caller's view (what an admin or an agent's owner can act on). The queries are written
once here and executed by each service (sync or async)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from shared.auth.access import Caller
from shared.catalog.lifecycle import (
    ListedModel,
    ModelWarning,
    configured_models,
    model_warnings,
    today,
)
from shared.core.config import Config
from shared.core.models import Agent

# The distinct models agents override the default with (health reports them all).
AGENT_MODELS = sa.select(Agent.model).where(Agent.model.is_not(None)).distinct()


def agents_with_models(caller: Caller) -> sa.Select[int, str | None]:
    """The caller's agents with their own model (an admin's: every such agent; a guest's: none,
    although the anonymous user owns the starter agent, since guests cannot change it)."""
    query = sa.select(Agent.id, Agent.model).where(Agent.model.is_not(None))
    if caller.is_guest:
        return query.where(sa.false())
    return query if caller.is_admin else query.where(Agent.owner_id == caller.user_id)


def health_warnings(
    config: Config, listing: Sequence[ListedModel] | None, agent_models: Iterable[str | None]
) -> list[ModelWarning]:
    """Warnings for the configured defaults and every model an agent uses."""
    models = [*configured_models(config), *(m for m in agent_models if m)]
    return model_warnings(listing, models, today())


def caller_warnings(
    config: Config,
    listing: Sequence[ListedModel] | None,
    caller: Caller,
    agents: Iterable[tuple[int, str | None]],
) -> list[dict[str, Any]]:
    """Warnings the caller can act on, each naming the caller's agents that use the model
    (`agent_ids`) and whether it is a configured default (shown to admins only)."""
    using: dict[str, list[int]] = {}
    for agent_id, model in agents:
        if model:
            using.setdefault(model, []).append(agent_id)
    defaults = set(configured_models(config)) if caller.is_admin else set()
    warnings = model_warnings(listing, [*defaults, *using], today())
    return [_for_caller(w, sorted(using.get(w.model, [])), w.model in defaults) for w in warnings]


def _for_caller(warning: ModelWarning, agent_ids: list[int], default: bool) -> dict[str, Any]:
    return {
        **warning.as_json(),
        "urgent": warning.urgent,
        "agent_ids": agent_ids,
        "default": default,
    }
