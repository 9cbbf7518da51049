"""Versions of a conversation: regenerate a reply, edit a message, choose the branch shown."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from api.auth import token_caller, token_required
from api.messages import provider_error_docs
from api.schemas import MessageCreateSchema, MessageSchema, SelectSchema, TurnSchema
from api.throttle import client_ip, throttle
from api.turns import Turn, edit, regenerate, select
from shared.core.models import Message
from shared.limits.ratelimit import reply_checks

blp = Blueprint(
    "versions", __name__, url_prefix="/api/chats", description="Message versions and branches"
)
MESSAGE = "/<id:chat_id>/messages/<id:message_id>"


@blp.route(f"{MESSAGE}/regenerate")
class Regenerate(MethodView):
    @blp.response(201, TurnSchema)
    @blp.alt_response(404, description="No such chat or message of the caller's")
    @blp.alt_response(409, description="The message is not an AI reply (`not_a_reply`)")
    @provider_error_docs
    @token_required
    def post(self, chat_id: int, message_id: int) -> Turn:
        """Write a new version of an AI reply

        The new reply answers the same question and becomes the one shown; the earlier
        version and the conversation after it stay stored (select them again with `select`).
        """
        caller = token_caller()
        throttle(reply_checks(caller, client_ip()))
        return regenerate(caller, chat_id, message_id)


@blp.route(f"{MESSAGE}/edit")
class Edit(MethodView):
    @blp.arguments(MessageCreateSchema)
    @blp.response(201, TurnSchema)
    @blp.alt_response(404, description="No such chat or message of the caller's")
    @blp.alt_response(409, description="The message is not one the caller sent (`not_a_question`)")
    @provider_error_docs
    @token_required
    def post(self, data: dict[str, str], chat_id: int, message_id: int) -> Turn:
        """Edit a message you sent: a new version of it, answered

        The edited message and its reply become the branch shown; the original and what
        followed it stay stored.
        """
        caller = token_caller()
        throttle(reply_checks(caller, client_ip()))
        return edit(caller, chat_id, message_id, data["content"])


@blp.route(f"{MESSAGE}/select")
class Select(MethodView):
    @blp.arguments(SelectSchema, required=False)
    @blp.response(200, MessageSchema)
    @blp.alt_response(404, description="No such chat, message or version")
    @token_required
    def post(self, data: dict[str, Any], chat_id: int, message_id: int) -> Message:
        """Show the branch through a message (or through its version `version`)

        The chat's history then follows that message and, after it, the newest version at
        each step. Returns the message now shown.
        """
        return select(token_caller(), chat_id, message_id, data.get("version"))
