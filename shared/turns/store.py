"""Every write of a turn, as functions of a synchronous session.

The API calls them with its session; the voice service with `AsyncSession.run_sync`, so the
policy exists once. Each `begin_*` starts by locking the chat row (an UPDATE, also on SQLite),
so concurrent turns, retries, regenerations and edits of one chat run one after the other and
never corrupt the tree. The caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm as so

from shared.access import (
    AGENT_UNAVAILABLE,
    AGENT_UNAVAILABLE_MESSAGE,
    Caller,
    chat_for,
    may_use_chat,
    own_chats,
)
from shared.conversation import HistoryBudget, model_context, new_message
from shared.db import utcnow
from shared.models import Chat, Message, MessageBy, MessageStatus
from shared.providers.base import ChatMessage
from shared.quotas import Ticket
from shared.turns import tree
from shared.turns.failures import TurnRefused, chat_not_found, message_not_found


@dataclass(frozen=True)
class Started:
    """A turn whose reply is stored as pending: what the model must be asked."""

    chat_id: int
    user_message: Message
    ai_message: Message
    context: list[ChatMessage]
    model: str | None
    # The budget reservation the reply is charged to (shared/turns/charges.py).
    ticket: Ticket | None = None


def lock_chat(session: so.Session, caller: Caller, chat_id: int, touch: bool = True) -> Chat:
    """The caller's chat, locked for this transaction (its activity time moves when `touch`)."""
    now = utcnow() if touch else Chat.updated_at
    locked = session.execute(
        sa.update(Chat)
        .where(Chat.id == chat_id, own_chats(caller))
        .values(updated_at=now)
        .execution_options(synchronize_session=False)
    )
    chat = session.scalar(chat_for(caller, chat_id)) if locked.rowcount == 1 else None  # type: ignore[attr-defined]
    if chat is None:
        raise chat_not_found()
    if not may_use_chat(caller, chat):  # its agent was made private: no more replies
        raise TurnRefused(403, AGENT_UNAVAILABLE_MESSAGE, AGENT_UNAVAILABLE)
    return chat


def add_message(
    session: so.Session,
    chat: Chat,
    caller: Caller,
    by: MessageBy,
    content: str,
    parent: Message | None,
    parent_is_new: bool = False,
) -> Message:
    """A new message at the end of the shown branch, after `parent`, as its newest version
    (the first, without asking, when `parent` was just added)."""
    parent_id = parent.id if parent is not None else None
    version = 1 if parent_is_new else tree.next_version(session, chat.id, parent_id)
    message = new_message(chat, caller, by, content)
    message.parent_id = parent_id
    message.version = message.version_count = version
    message.selected = True
    if by is MessageBy.AI:
        message.status = MessageStatus.PENDING
    session.add(message)
    session.flush()
    return message


def started(
    session: so.Session, chat: Chat, user: Message, ai: Message, budget: HistoryBudget
) -> Started:
    history = session.scalars(tree.context_history(chat.id, budget.max_messages)).all()
    context = model_context(chat.agent.prompt, history, budget)
    for message in (user, ai):
        if sa.inspect(message).expired_attributes:  # loaded before the tree changed
            session.refresh(message)
    return Started(chat.id, user, ai, context, chat.agent.model)


def begin_ask(
    session: so.Session, caller: Caller, chat_id: int, content: str, budget: HistoryBudget
) -> Started:
    """Store the question after the shown branch, and its reply as pending."""
    chat = lock_chat(session, caller, chat_id)
    user = add_message(
        session, chat, caller, MessageBy.USER, content, tree.branch_tip(session, chat.id)
    )
    ai = add_message(session, chat, caller, MessageBy.AI, "", user, parent_is_new=True)
    return started(session, chat, user, ai, budget)


def begin_retry(
    session: so.Session, caller: Caller, chat_id: int, budget: HistoryBudget
) -> Started:
    """Answer the shown branch's unanswered question, or its failed reply again (in place).

    One retry per message is in flight: a second one finds the reply pending and is refused.
    """
    chat = lock_chat(session, caller, chat_id)
    tip = tree.branch_tip(session, chat.id)
    if tip is not None and tip.message_by is MessageBy.USER:
        ai = add_message(session, chat, caller, MessageBy.AI, "", tip)
        return started(session, chat, tip, ai, budget)
    if tip is not None and tip.status is MessageStatus.PENDING:
        raise TurnRefused(409, "The reply is already being written.", "reply_pending")
    question = session.get(Message, tip.parent_id) if tip and tip.parent_id else None
    if tip is None or tip.status is not MessageStatus.FAILED or question is None:
        raise TurnRefused(409, "There is no unanswered message to reply to.", "nothing_to_retry")
    reset_reply(tip)
    session.flush()
    return started(session, chat, question, tip, budget)


def reset_reply(reply: Message) -> None:
    reply.status = MessageStatus.PENDING
    reply.content = ""
    reply.updated_at = utcnow()
    reply.error_stage = reply.error_reason = None
    reply.prompt_tokens = reply.completion_tokens = None
    reply.first_token_ms = reply.total_ms = None


def message_in(session: so.Session, chat: Chat, message_id: int, by: MessageBy) -> Message:
    message = session.scalar(
        sa.select(Message).where(Message.id == message_id, Message.chat_id == chat.id)
    )
    if message is None:
        raise message_not_found()
    if message.message_by is not by:
        if by is MessageBy.AI:
            raise TurnRefused(409, "That message is not an AI reply.", "not_a_reply")
        raise TurnRefused(409, "That message is not one you sent.", "not_a_question")
    return message


def begin_regenerate(
    session: so.Session, caller: Caller, chat_id: int, message_id: int, budget: HistoryBudget
) -> Started:
    """A new version of AI reply `message_id`, answering the same question; the earlier
    version and what followed it stay stored, off the shown branch."""
    chat = lock_chat(session, caller, chat_id)
    reply = message_in(session, chat, message_id, MessageBy.AI)
    question = session.get(Message, reply.parent_id) if reply.parent_id else None
    if question is None:
        raise TurnRefused(409, "That reply answers no message.", "not_a_reply")
    tree.cut_after(session, chat.id, question)
    session.expire_all()
    ai = add_message(session, chat, caller, MessageBy.AI, "", question)
    return started(session, chat, question, ai, budget)


def begin_edit(
    session: so.Session,
    caller: Caller,
    chat_id: int,
    message_id: int,
    content: str,
    budget: HistoryBudget,
) -> Started:
    """A new version of the caller's message `message_id` with `content`, and its reply."""
    chat = lock_chat(session, caller, chat_id)
    original = message_in(session, chat, message_id, MessageBy.USER)
    parent = session.get(Message, original.parent_id) if original.parent_id else None
    tree.cut_after(session, chat.id, parent)
    session.expire_all()
    user = add_message(session, chat, caller, MessageBy.USER, content, parent)
    ai = add_message(session, chat, caller, MessageBy.AI, "", user, parent_is_new=True)
    return started(session, chat, user, ai, budget)


def select_version(
    session: so.Session, caller: Caller, chat_id: int, message_id: int, version: int | None
) -> Message:
    """Show the branch through `message_id`, or through its sibling number `version`."""
    chat = lock_chat(session, caller, chat_id, touch=False)
    message = session.scalar(
        sa.select(Message).where(Message.id == message_id, Message.chat_id == chat.id)
    )
    if message is None:
        raise message_not_found()
    if version is not None and version != message.version:
        message = session.scalar(
            sa.select(Message).where(
                tree.siblings(chat.id, message.parent_id), Message.version == version
            )
        )
        if message is None:
            raise TurnRefused(404, f"There is no version {version}.", "not_found")
    tree.show_through(session, chat.id, message)
    session.expire_all()
    session.refresh(message)
    return message


def stale_before(session: so.Session, before: datetime, reason: str) -> int:
    """Close replies left pending by a process that is gone (none saved since `before`)."""
    closed = session.execute(
        sa.update(Message)
        .where(Message.status == MessageStatus.PENDING, Message.updated_at < before)
        .values(status=MessageStatus.FAILED, error_stage="llm", error_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return int(closed.rowcount)  # type: ignore[attr-defined]
