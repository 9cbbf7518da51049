"""Chats: one conversation between a caller and an agent."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.pagination import PaginationParameters
from sqlalchemy import orm as so

from api.auth import current_caller, login_required
from api.chat_ux_schemas import ChatHitSchema
from api.extensions import db
from api.http import abort
from api.paging import page_of
from api.reads import without_transaction
from api.schemas import ChatCreateSchema, ChatPatchSchema, ChatQuerySchema, ChatSchema
from api.search import search_chats
from shared.auth.access import (
    AGENT_UNAVAILABLE,
    AGENT_UNAVAILABLE_MESSAGE,
    Caller,
    agent_for,
    chat_for,
    had_chats_with,
    may_use_chat,
    usable_chats,
)
from shared.chats.conversation import DEFAULT_CHAT_TITLE
from shared.core.models import Agent, Chat
from shared.core.validation import trimmed

blp = Blueprint("chats", __name__, url_prefix="/api", description="Chats with agents")


def chat_or_404(caller: Caller, chat_id: int, usable: bool = True) -> Chat:
    """The caller's chat; with `usable`, 403 agent_unavailable once its agent is hidden."""
    chat = db.session.scalar(chat_for(caller, chat_id))
    if chat is None:
        abort(404, "Chat not found.")
    if usable and not may_use_chat(caller, chat):
        abort(403, AGENT_UNAVAILABLE_MESSAGE, errors={"reason": AGENT_UNAVAILABLE})
    return chat


def chats_agent_or_404(caller: Caller, agent_id: int) -> Agent:
    """The agent to list or open chats with; 403 agent_unavailable (not 404) for a caller who
    has chats with an agent that went private, so the UI can say why."""
    agent = db.session.scalar(agent_for(caller, agent_id))
    if agent is None and db.session.scalar(had_chats_with(caller, agent_id)) is not None:
        abort(403, AGENT_UNAVAILABLE_MESSAGE, errors={"reason": AGENT_UNAVAILABLE})
    if agent is None:
        abort(404, "Agent not found.")
    return agent


def list_chats(
    caller: Caller, pagination: PaginationParameters, agent_id: int | None = None
) -> list[Chat]:
    """The caller's chats, most recent activity first."""
    query = sa.select(Chat).where(usable_chats(caller))
    if agent_id is not None:
        query = query.where(Chat.agent_id == agent_id)
    query = query.options(so.joinedload(Chat.agent))
    return page_of(query.order_by(Chat.updated_at.desc(), Chat.id.desc()), pagination)


@blp.route("/agents/<id:agent_id>/chats")
class AgentChats(MethodView):
    @blp.response(200, ChatSchema(many=True))
    @blp.alt_response(403, description="The agent is no longer available (it went private)")
    @blp.paginate()
    @without_transaction
    @login_required
    def get(self, agent_id: int, pagination_parameters: PaginationParameters) -> list[Chat]:
        """List my chats with an agent"""
        caller = current_caller()
        chats_agent_or_404(caller, agent_id)
        return list_chats(caller, pagination_parameters, agent_id)

    @blp.arguments(ChatCreateSchema, required=False)
    @blp.response(201, ChatSchema)
    @blp.alt_response(403, description="The agent is no longer available (it went private)")
    @login_required
    def post(self, data: dict[str, Any], agent_id: int) -> Chat:
        """Start a chat with an agent"""
        caller = current_caller()
        agent = chats_agent_or_404(caller, agent_id)
        chat = Chat(
            agent=agent,
            user_id=caller.user_id,
            guest_id=caller.guest_id,
            title=trimmed(data.get("title", "")) or DEFAULT_CHAT_TITLE,
        )
        db.session.add(chat)
        db.session.commit()
        return chat


@blp.route("/chats")
class Chats(MethodView):
    @blp.arguments(ChatQuerySchema, location="query")
    @blp.response(200, ChatHitSchema(many=True))
    @blp.paginate()
    @without_transaction
    @login_required
    def get(self, query: dict[str, Any], pagination_parameters: PaginationParameters) -> list[Any]:
        """List my chats, most recent activity first (`q` searches them)"""
        if "q" in query:
            return search_chats(
                current_caller(), query["q"], pagination_parameters, query.get("agent_id")
            )
        return list_chats(current_caller(), pagination_parameters, query.get("agent_id"))


@blp.route("/chats/<id:chat_id>")
class ChatById(MethodView):
    @blp.response(200, ChatSchema)
    @blp.alt_response(403, description="The chat's agent is no longer available")
    @without_transaction
    @login_required
    def get(self, chat_id: int) -> Chat:
        """Get a chat"""
        return chat_or_404(current_caller(), chat_id)

    @blp.arguments(ChatPatchSchema)
    @blp.response(200, ChatSchema)
    @blp.alt_response(403, description="The chat's agent is no longer available")
    @login_required
    def patch(self, data: dict[str, Any], chat_id: int) -> Chat:
        """Rename a chat"""
        chat = chat_or_404(current_caller(), chat_id)
        title = trimmed(data["title"])
        if not title:
            abort(422, "The title must not be empty.", errors={"title": ["Empty."]})
        chat.title = title
        db.session.commit()
        return chat

    @blp.response(204)
    @login_required
    def delete(self, chat_id: int) -> None:
        """Delete a chat and its messages"""
        db.session.delete(chat_or_404(current_caller(), chat_id, usable=False))
        db.session.commit()
