"""Text turns in the API, through the shared turn engine (see shared/turns)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import orm as so

from api.deps import app_config, chat_provider, tools
from api.extensions import db
from api.throttle import client_ip
from shared.auth.access import Caller
from shared.chats.conversation import HistoryBudget
from shared.core.models import Message
from shared.knowledge import dense
from shared.tools.rounds import NO_TOOLS
from shared.turns import charges, store
from shared.turns.blocking import write_reply

Turn = dict[str, Message]


def session() -> so.Session:
    """The request's session itself (the engine's functions take a plain Session)."""
    return db.session()


def history_budget() -> HistoryBudget:
    return HistoryBudget.of(app_config())


def answered(begin: charges.Begin, caller: Caller, *args: Any) -> Turn:
    """Start the turn with `begin` (a `store.begin_*`) once the caller's budgets allow it,
    then write its reply.

    The request's objects are not expired at the commits (nothing else writes them meanwhile),
    so answering them needs no reload."""
    session().expire_on_commit = False
    turn = charges.begin(session(), app_config(), client_ip(), begin, caller, *args)
    source = tools()
    toolbox = source.toolbox(turn.tools) if source is not None else NO_TOOLS
    reply = write_reply(session(), turn, chat_provider(), toolbox)
    return {"user_message": turn.user_message, "ai_message": reply}


def send_message(caller: Caller, chat_id: int, content: str) -> Turn:
    """Store `content` as the caller's message, then answer it."""
    dense.prefetch(db.engine, chat_id, content)
    return answered(store.begin_ask, caller, chat_id, content, history_budget())


def retry(caller: Caller, chat_id: int) -> Turn:
    return answered(store.begin_retry, caller, chat_id, history_budget())


def regenerate(caller: Caller, chat_id: int, message_id: int) -> Turn:
    return answered(store.begin_regenerate, caller, chat_id, message_id, history_budget())


def edit(caller: Caller, chat_id: int, message_id: int, content: str) -> Turn:
    budget = history_budget()
    dense.prefetch(db.engine, chat_id, content)
    return answered(store.begin_edit, caller, chat_id, message_id, content, budget)


def select(caller: Caller, chat_id: int, message_id: int, version: int | None) -> Message:
    message = store.select_version(session(), caller, chat_id, message_id, version)
    db.session.commit()
    return message
