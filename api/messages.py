"""Messages of a chat: history, and text turns answered by the agent."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.pagination import PaginationParameters

from api.auth import current_caller, login_required, token_caller, token_required
from api.chats import chat_or_404
from api.paging import page_of
from api.reads import without_transaction
from api.schemas import MessageCreateSchema, MessageQuerySchema, MessageSchema, TurnSchema
from api.throttle import client_ip, throttle
from api.turns import Turn, retry, send_message
from shared.core.models import Message
from shared.limits.ratelimit import reply_checks
from shared.turns.tree import NEWEST_FIRST, OLDEST_FIRST, branch_length, shown_branch

blp = Blueprint("messages", __name__, url_prefix="/api/chats", description="Chat messages")

PROVIDER_ERRORS = {
    502: {
        "description": "The AI provider failed; the user's message and the failed reply are kept"
    },
    503: {"description": "The AI provider is unavailable or rate limiting; retry later"},
    504: {
        "description": "The AI provider timed out; the user's message and the failed reply are kept"
    },
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
    @without_transaction
    @login_required
    def get(
        self, query: dict[str, Any], chat_id: int, pagination_parameters: PaginationParameters
    ) -> list[Message]:
        """List a chat's messages, oldest first

        The branch the chat shows: where a message has versions (`version_count` > 1), the
        one selected and what followed it. A reply still being written has `status: pending`.
        """
        chat = chat_or_404(current_caller(), chat_id)
        # The total is the branch's length, read from its tip: never a count of the branch.
        total = branch_length(chat.id)
        if query["tail"]:
            newest_first = shown_branch(chat.id).order_by(*NEWEST_FIRST)
            return page_of(newest_first, pagination_parameters, reverse=True, total=total)
        oldest_first = shown_branch(chat.id).order_by(*OLDEST_FIRST)
        return page_of(oldest_first, pagination_parameters, total=total)

    @blp.arguments(MessageCreateSchema)
    @blp.response(201, TurnSchema)
    @provider_error_docs
    @token_required
    def post(self, data: dict[str, str], chat_id: int) -> Turn:
        """Send a message and get the agent's reply

        The message is stored at once and the reply with it as `pending`. If the AI provider
        fails, both stay stored, the reply as `failed` (`errors.user_message_id`,
        `errors.ai_message_id`, `errors.reason`); `POST /api/chats/{chat_id}/messages/retry`
        answers it again without retyping.
        """
        caller = token_caller()
        throttle(reply_checks(caller, client_ip()))
        return send_message(caller, chat_id, data["content"])


@blp.route("/<id:chat_id>/messages/retry")
class RetryReply(MethodView):
    @blp.response(201, TurnSchema)
    @blp.alt_response(409, description="Nothing to answer, or the reply is being written")
    @provider_error_docs
    @token_required
    def post(self, chat_id: int) -> Turn:
        """Ask again for the reply to the newest, unanswered message

        Answers the shown branch's newest message when it is a question without reply, or
        writes its failed reply again (same message id). One retry runs at a time per reply:
        another one meanwhile gets 409 (`errors.reason: reply_pending`).
        """
        caller = token_caller()
        throttle(reply_checks(caller, client_ip()))
        return retry(caller, chat_id)
