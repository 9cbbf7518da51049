"""The statement every turn starts with: the caller's chat locked (an UPDATE, also on SQLite),
its activity time and title set, its agent read, and (for a caller whose token is not checked
yet) the token's account checked, all in one statement built once per shape."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import orm as so

from shared.auth.access import (
    AGENT_UNAVAILABLE,
    AGENT_UNAVAILABLE_MESSAGE,
    Caller,
    chats_owned_by,
    may_see_agent,
)
from shared.auth.standing import account_accepts, account_params, check_token
from shared.auth.tokens import AccessClaims, TokenError
from shared.chats.conversation import retitled, title_from
from shared.core.db import first_row, utcnow
from shared.core.models import Agent, Chat
from shared.turns.failures import TurnRefused, chat_not_found
from shared.usage.atomic import lock_scopes
from shared.usage.budgets import BudgetName, spent_columns
from shared.usage.reservations import Reserving


@dataclass(frozen=True)
class LockedChat:
    """A chat locked for this transaction, with what a turn needs of its agent."""

    id: int
    prompt: str
    model: str | None
    is_public: bool
    agent_id: int
    # Its ready knowledge files: none, and the turn makes no knowledge query.
    knowledge_files: int
    owner_id: int
    # The agent's tools (public names) and reasoning effort (None: the default).
    tools: list[str] | None = None
    reasoning_effort: str | None = None


_CHATS = cast(sa.Table, Chat.__table__)


def _agent_column(column: so.InstrumentedAttribute[Any]) -> sa.ScalarSelect[Any]:
    where = Agent.id == _CHATS.c.agent_id
    return sa.select(column).where(where).correlate(_CHATS).scalar_subquery()


# The locking UPDATE returns the agent's columns too (subqueries work in RETURNING on both
# PostgreSQL and SQLite), so a turn reads its chat and agent in the statement that locks it.
_LOCKED = (
    _CHATS.c.id,
    *(_agent_column(c) for c in (Agent.prompt, Agent.model, Agent.is_public)),
    _CHATS.c.agent_id,
    _agent_column(Agent.knowledge_files),
)
_LOCKED_AGENT = tuple(
    _agent_column(c) for c in (Agent.owner_id, Agent.tools, Agent.reasoning_effort)
)
LOCKED_COLUMNS = len(_LOCKED) + len(_LOCKED_AGENT)


def lock_chat(
    session: so.Session,
    caller: Caller,
    chat_id: int,
    touch: bool = True,
    said: str | None = None,
    reserving: Reserving | None = None,
) -> LockedChat:
    """The caller's chat, locked for this transaction: its activity time moves when `touch`,
    and an untitled chat is named after `said` (the question of the turn). A caller whose
    token is not checked yet (`caller.token`) is checked in the same statement, and so are
    the budgets the turn is `reserving` against (QuotaExceeded when one is spent)."""
    # No parameter is named like a column: an UPDATE would take it as a value to SET.
    params: dict[str, Any] = {"chat_id": chat_id, "owner": caller.user_id, "guest": caller.guest_id}
    params |= {"now": utcnow(), "new_title": title_from(said) if said is not None else None}
    accounts = account_params(caller.token) if caller.token is not None else {}
    if accounts is None:  # claims that no account accepts
        raise check_token_refusal(session, caller)
    budgets = reserving.names if reserving is not None else ()
    shape = (caller.is_guest, caller.token is not None, touch, said is not None, budgets)
    spending = reserving.params() if reserving is not None else {}
    if reserving is not None and reserving.budgets and needs_scope_lock(session):
        lock_scopes(session.connection(), reserving.scope_keys())
    row = first_row(session, _lock_stmt(*shape), params | accounts | spending)
    if row is None:
        if caller.token is not None:
            raise check_token_refusal(session, caller)
        raise chat_not_found()
    chat = LockedChat(*row[:LOCKED_COLUMNS])
    if not may_see_agent(caller, chat):  # its agent was made private: no more replies
        raise TurnRefused(403, AGENT_UNAVAILABLE_MESSAGE, AGENT_UNAVAILABLE)
    if reserving is not None:
        reserving.check(session, row[LOCKED_COLUMNS:])
    return chat


def needs_scope_lock(session: so.Session) -> bool:
    """Whether the budgets' check needs a lock of its own: on SQLite the chat's UPDATE already
    holds the database's write lock from the check to the COMMIT (atomic across processes);
    on PostgreSQL it locks only the chat, so the budgets' scopes are locked first."""
    return session.get_bind().dialect.name == "postgresql"


def check_token_refusal(session: so.Session, caller: Caller) -> Exception:
    """Why the lock found nothing for a caller whose token was not checked yet: a 401 when
    the token is refused, else the chat is not the caller's."""
    try:
        check_token(session, cast(AccessClaims, caller.token))
    except TokenError as refused:
        return refused
    return chat_not_found()


@functools.cache
def _lock_stmt(
    guest: bool, token: bool, touch: bool, said: bool, budgets: tuple[BudgetName, ...]
) -> sa.Update:
    """The locking UPDATE of one shape, built once, run with bound parameters."""
    owner, guest_id = (
        sa.bindparam("owner", type_=sa.Integer),
        sa.bindparam("guest", type_=sa.String),
    )
    # A Core UPDATE of the table: the ORM's bulk UPDATE machinery costs more than the statement.
    lock = sa.update(_CHATS).where(
        Chat.id == sa.bindparam("chat_id", type_=sa.Integer),
        chats_owned_by(owner, guest_id if guest else None),
    )
    if token:  # the token's account is checked here, not by a query of its own
        lock = lock.where(account_accepts(guest))
    now = sa.bindparam("now", type_=Chat.updated_at.type)
    values: dict[str, Any] = {"updated_at": now if touch else Chat.updated_at}
    if said:
        values["title"] = retitled(sa.bindparam("new_title", type_=sa.String))
    spent = [column for name in budgets for column in spent_columns(name)]
    return lock.values(values).returning(*_LOCKED, *_LOCKED_AGENT, *spent)
