"""How an agent is shown: its card for everyone, its prompt only for the owner and admins."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, post_dump

from api.auth import current_caller
from api.openapi import Text
from api.schemas import AgentSchema
from shared.auth.access import may_change_agent, may_see_prompt
from shared.core.models import Agent


class AgentCardSchema(AgentSchema):
    """An agent as every endpoint returns it."""

    prompt = Text(
        dump_only=True,
        allow_none=True,
        metadata={
            "description": "The system prompt; null unless the caller owns the agent or is an admin"
        },
    )
    can_edit = fields.Bool(
        dump_only=True, metadata={"description": "Whether the caller may change this agent"}
    )

    @post_dump(pass_original=True)
    def for_caller(self, data: dict[str, Any], agent: Agent, **_kwargs: Any) -> dict[str, Any]:
        caller = current_caller()
        data["can_edit"] = may_change_agent(caller, agent)
        if not may_see_prompt(caller, agent):
            data["prompt"] = None
        return data
