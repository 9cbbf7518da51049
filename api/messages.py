"""Messages of a chat: history, and text turns answered by the agent."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.pagination import PaginationParameters

from api.auth import current_caller, login_required
from api.chats import chat_or_404
from api.extensions import db
from api.http import abort
from api.limits import app_config
from api.paging import page_of
from api.schemas import MessageCreateSchema, MessageQuerySchema, MessageSchema, TurnSchema
from api.throttle import client_ip, throttle
from api.turns import answer, send_message
from shared.conversation import NEWEST_FIRST, chat_history, recent_messages, unanswered
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


@blp.route("/<id:chat_id>/messages")
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
        if query["tail"]:
            newest_first = chat_history(chat.id).order_by(*NEWEST_FIRST)
            return page_of(newest_first, pagination_parameters, reverse=True)
        oldest_first = chat_history(chat.id).order_by(Message.created_at, Message.id)
        return page_of(oldest_first, pagination_parameters)

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


@blp.route("/<id:chat_id>/messages/retry")
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
