"""Who may see and change what. Both services call these, so each rule lives once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy import orm as so

from shared.auth.tokens import AccessClaims
from shared.core.models import Agent, Chat, Message, User


@dataclass(frozen=True)
class Caller:
    """Who is calling: a user, or a guest (the anonymous user plus a guest id)."""

    user_id: int
    is_admin: bool = False
    guest_id: str | None = None
    # Set when the token's account has not been checked yet: the turn's first statement
    # checks it (shared/auth/standing.py). Such a caller is never an admin.
    token: AccessClaims | None = None

    @classmethod
    def of_token(cls, claims: AccessClaims) -> Caller:
        """The caller a token names, its account still to be checked (see `token`)."""
        return cls(user_id=claims.user_id, guest_id=claims.guest_id, token=claims)

    @property
    def is_guest(self) -> bool:
        return self.guest_id is not None


def caller_for(user: User | None, guest_id: str | None) -> Caller | None:
    """The caller a token names, or None when it cannot be valid: the account is gone, a
    guest token not of the anonymous user, or a user's token claiming a guest id."""
    if user is None or user.is_anonymous != (guest_id is not None):
        return None
    return Caller(user_id=user.id, is_admin=user.is_admin, guest_id=guest_id)


def visible_agents(caller: Caller) -> sa.ColumnElement[bool]:
    """Agents a caller may list and chat with: their own plus public ones (guests: public only)."""
    if caller.is_guest:
        return Agent.is_public.is_(True)
    return sa.or_(Agent.is_public.is_(True), Agent.owner_id == caller.user_id)


class Visibility(Protocol):
    """What decides who may see an agent (an Agent, or those columns of it)."""

    @property
    def is_public(self) -> bool: ...

    @property
    def owner_id(self) -> int: ...


def may_see_agent(caller: Caller, agent: Visibility) -> bool:
    """`visible_agents` for one loaded agent (keep the two in step)."""
    return agent.is_public or (not caller.is_guest and agent.owner_id == caller.user_id)


# A chat is usable only while its agent is visible to the caller: once the owner makes a
# public agent private, others' chats with it stop (listings hide them; only delete works).
AGENT_UNAVAILABLE = "agent_unavailable"
AGENT_UNAVAILABLE_MESSAGE = "This chat's agent is no longer available (its owner made it private)."


def may_use_chat(caller: Caller, chat: Chat) -> bool:
    return may_see_agent(caller, chat.agent)


def had_chats_with(caller: Caller, agent_id: int) -> sa.Select[int]:
    """A row when the caller has chats with `agent_id` (so it may say the agent went away)."""
    return sa.select(Chat.id).where(own_chats(caller), Chat.agent_id == agent_id).limit(1)


def usable_chats(caller: Caller) -> sa.ColumnElement[bool]:
    """The caller's chats whose agent the caller may still see (for listings)."""
    visible = sa.select(Agent.id).where(visible_agents(caller))
    return sa.and_(own_chats(caller), Chat.agent_id.in_(visible))


def may_change_agent(caller: Caller, agent: Agent) -> bool:
    return not caller.is_guest and (caller.is_admin or agent.owner_id == caller.user_id)


def may_see_prompt(caller: Caller, agent: Agent) -> bool:
    """An agent's system prompt is its owner's (and admins'); others see its description."""
    return may_change_agent(caller, agent)


def own_chats(caller: Caller) -> sa.ColumnElement[bool]:
    """Chats that belong to the caller; a guest sees only chats made with its own guest id."""
    return chats_owned_by(caller.user_id, caller.guest_id)


def chats_owned_by(user_id: Any, guest_id: Any | None) -> sa.ColumnElement[bool]:
    """`own_chats` for ids given as values or as bound parameters (None: not a guest)."""
    if guest_id is not None:
        return sa.and_(Chat.user_id == user_id, Chat.guest_id == guest_id)
    return sa.and_(Chat.user_id == user_id, Chat.guest_id.is_(None))


def chat_for(caller: Caller, chat_id: int) -> sa.Select[Chat]:
    """The caller's chat `chat_id` with its agent loaded, or no row (never someone else's)."""
    return (
        sa.select(Chat)
        .options(so.joinedload(Chat.agent))
        .where(Chat.id == chat_id, own_chats(caller))
    )


def agent_for(caller: Caller, agent_id: int) -> sa.Select[Agent]:
    """Agent `agent_id` if the caller may see it."""
    return sa.select(Agent).where(Agent.id == agent_id, visible_agents(caller))


def message_in_chat(caller: Caller, chat_id: int, message_id: int) -> sa.Select[Message]:
    """Message `message_id` of the caller's chat `chat_id`, or no row."""
    return (
        sa.select(Message)
        .join(Chat, Chat.id == Message.chat_id)
        .where(Message.id == message_id, Chat.id == chat_id, own_chats(caller))
    )
