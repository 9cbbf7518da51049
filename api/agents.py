"""Agents: a name, a system prompt, and who may use them."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.pagination import PaginationParameters

from api.agent_cards import AgentCardSchema
from api.auth import current_caller, login_required
from api.extensions import db
from api.http import abort
from api.limits import trimmed_agent_fields
from api.models import check_choices
from api.paging import page_of
from api.reads import without_transaction
from api.schemas import AgentPatchSchema, AgentSchema
from api.tools import check_tools
from shared.auth.access import Caller, agent_for, may_change_agent, visible_agents
from shared.core.models import Agent

blp = Blueprint("agents", __name__, url_prefix="/api/agents", description="AI agents")


def visible_agent_or_404(caller: Caller, agent_id: int) -> Agent:
    agent = db.session.scalar(agent_for(caller, agent_id))
    if agent is None:
        abort(404, "Agent not found.")
    return agent


def changeable_agent(agent_id: int) -> Agent:
    """The agent if the caller may change it: 404 if unseen, 403 if seen but not theirs.
    Admins may change any agent (as the README says), a user's private one too."""
    caller = current_caller()
    if caller.is_admin:
        found = db.session.get(Agent, agent_id)
        if found is None:
            abort(404, "Agent not found.")
        return found
    agent = visible_agent_or_404(caller, agent_id)
    if not may_change_agent(caller, agent):
        abort(403, "Only the agent's owner or an admin may change it.")
    return agent


@blp.route("")
class Agents(MethodView):
    @blp.response(200, AgentCardSchema(many=True))
    @blp.paginate()
    @without_transaction
    @login_required
    def get(self, pagination_parameters: PaginationParameters) -> list[Agent]:
        """List my agents and public ones"""
        query = sa.select(Agent).where(visible_agents(current_caller()))
        return page_of(query.order_by(Agent.name, Agent.id), pagination_parameters)

    @blp.arguments(AgentSchema)
    @blp.response(201, AgentCardSchema)
    @blp.alt_response(403, description="Guests cannot create agents")
    @login_required
    def post(self, data: dict[str, Any]) -> Agent:
        """Create an agent"""
        caller = current_caller()
        if caller.is_guest:
            abort(403, "Guests cannot create agents; register to make your own.")
        fields = trimmed_agent_fields(data)
        check_choices(fields, {})
        check_tools(fields)
        agent = Agent(owner_id=caller.user_id, **fields)
        db.session.add(agent)
        db.session.commit()
        return agent


@blp.route("/<id:agent_id>")
class AgentById(MethodView):
    @blp.response(200, AgentCardSchema)
    @without_transaction
    @login_required
    def get(self, agent_id: int) -> Agent:
        """Get an agent"""
        return visible_agent_or_404(current_caller(), agent_id)

    @blp.arguments(AgentSchema)
    @blp.response(200, AgentCardSchema)
    @login_required
    def put(self, data: dict[str, Any], agent_id: int) -> Agent:
        """Replace an agent"""
        return update_agent(changeable_agent(agent_id), data)

    @blp.arguments(AgentPatchSchema)
    @blp.response(200, AgentCardSchema)
    @login_required
    def patch(self, data: dict[str, Any], agent_id: int) -> Agent:
        """Change some of an agent's fields"""
        if not request.get_data(cache=True):
            abort(400, "Send a JSON body with the fields to change.")
        return update_agent(changeable_agent(agent_id), data)

    @blp.response(204)
    @login_required
    def delete(self, agent_id: int) -> None:
        """Delete an agent with its chats"""
        agent = changeable_agent(agent_id)
        db.session.delete(agent)
        db.session.commit()


def update_agent(agent: Agent, data: dict[str, Any]) -> Agent:
    fields = trimmed_agent_fields(data)
    check_choices(fields, {"model": agent.model, "voice": agent.voice})
    check_tools(fields, agent.tools)
    for key, value in fields.items():
        setattr(agent, key, value)
    db.session.commit()
    return agent
