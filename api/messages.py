"""Messages of a chat: history, and text turns answered by the agent."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.pagination import PaginationParameters

from api.auth import current_caller, login_required
from api.chats import chat_or_404
from api.extensions import db
from api.http import abort
from api.limits import app_config
from api.schemas import MessageCreateSchema, MessageQuerySchema, MessageSchema, TurnSchema
from api.throttle import client_ip, throttle
from api.turns import answer, send_message
from shared.conversation import recent_messages, unanswered
from shared.models import Message
from shared.ratelimit import reply_checks
from shared.validation import bounded_text

blp = Blueprint("messages", __name__, url_prefix="/api/chats", description="Chat messages")

PROVIDER_ERRORS = {
    502: {"description": "The AI provider failed; the user's message was kept"},
    503: {"description": "The AI provider is unavailable or rate limiting; retry later"},
    504: {"description": "The AI provider timed out; the user's message was kept"},
}


def provider_error_docs(view: Any) -> Any:
    for status, doc in PROVIDER_ERRORS.items():
        view = blp.alt_response(status, **doc)(view)
    return view


@blp.route("/<int:chat_id>/messages")
class ChatMessages(MethodView):
    @blp.arguments(MessageQuerySchema, location="query")
    @blp.response(200, MessageSchema(many=True))
    @blp.paginate()
    @login_required
    def get(
        self, query: dict[str, Any], chat_id: int, pagination_parameters: PaginationParameters
    ) -> list[Message]:
        """List a chat's messages, oldest first"""
        chat = chat_or_404(current_caller(), chat_id)
        where = Message.chat_id == chat.id
        pagination_parameters.item_count = db.session.scalar(
            sa.select(sa.func.count(Message.id)).where(where)
        )
        if query["tail"]:
            page = recent_messages(chat.id, pagination_parameters.page_size)
            page = page.offset(pagination_parameters.first_item)
            return list(reversed(db.session.scalars(page).all()))
        oldest_first = (
            sa.select(Message)
            .where(where)
            .order_by(Message.created_at, Message.id)
            .offset(pagination_parameters.first_item)
            .limit(pagination_parameters.page_size)
        )
        return list(db.session.scalars(oldest_first))

    @blp.arguments(MessageCreateSchema)
    @blp.response(201, TurnSchema)
    @provider_error_docs
    @login_required
    def post(self, data: dict[str, str], chat_id: int) -> dict[str, Message]:
        """Send a message and get the agent's reply

        If the AI provider fails, the message is kept (its id is in `errors.user_message_id`);
        `POST /api/chats/{chat_id}/messages/retry` asks for the reply again without retyping.
        """
        caller = current_caller()
        chat = chat_or_404(caller, chat_id)
        content = bounded_text("message", data["content"], app_config().max_message_chars)
        throttle(reply_checks(caller, client_ip()))
        user_message, ai_message = send_message(caller, chat, content)
        return {"user_message": user_message, "ai_message": ai_message}


@blp.route("/<int:chat_id>/messages/retry")
class RetryReply(MethodView):
    @blp.response(201, TurnSchema)
    @blp.alt_response(409, description="The newest message already has a reply")
    @provider_error_docs
    @login_required
    def post(self, chat_id: int) -> dict[str, Message]:
        """Ask again for the reply to the newest, unanswered message"""
        caller = current_caller()
        chat = chat_or_404(caller, chat_id)
        throttle(reply_checks(caller, client_ip()))
        pending = unanswered(db.session.scalars(recent_messages(chat.id, 1)).all())
        if pending is None:
            abort(409, "There is no unanswered message to reply to.")
        return {"user_message": pending, "ai_message": answer(caller, chat, pending)}
