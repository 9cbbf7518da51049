"""A text turn in the API: store the user's message, ask the provider, store the reply.

The user's message is committed before the provider is called, so it survives any upstream
failure, and no database connection is held while waiting for the model.
"""

from __future__ import annotations

from typing import cast

from flask import current_app

from api.extensions import db
from api.limits import app_config
from api.throttle import client_ip
from shared import quotas
from shared.access import Caller
from shared.conversation import HistoryBudget, model_context, new_message, recent_messages
from shared.models import Chat, Message, MessageBy
from shared.providers.base import ChatProvider, ProviderError


def chat_provider() -> ChatProvider:
    return cast(ChatProvider, current_app.extensions["chat_provider"])


def send_message(caller: Caller, chat: Chat, content: str) -> tuple[Message, Message]:
    """Store `content` as the caller's message, then answer it."""
    user_message = new_message(chat, caller, MessageBy.USER, content)
    db.session.add(user_message)
    # Reading the history flushes the new message; the one commit in answer() makes it durable.
    return user_message, answer(caller, chat, user_message)


def answer(caller: Caller, chat: Chat, user_message: Message) -> Message:
    """Ask the provider to answer the chat's newest history and store its reply."""
    config = app_config()
    budget = HistoryBudget(config.history_max_messages, config.history_budget_chars)
    history = list(db.session.scalars(recent_messages(chat.id, budget.max_messages)))
    context = model_context(chat.agent.prompt, history, budget)
    model = chat.agent.model
    ticket = quotas.check(db.session, config, caller, client_ip(), model)
    # Commit before the upstream call: the user's message is kept whatever the provider does,
    # and no connection is held while it works.
    db.session.commit()
    try:
        result = chat_provider().reply(context, model)
    except ProviderError as exc:
        exc.kept_message_id = user_message.id
        quotas.release(db.session, ticket)
        raise
    ai_message = new_message(chat, caller, MessageBy.AI, result.text)
    db.session.add(ai_message)
    used = quotas.spent(context, result.text, result.usage, result.model)
    quotas.charge(db.session, ticket, used)  # one commit stores the reply and its charge
    return ai_message
