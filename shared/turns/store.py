"""Every write of a turn, as functions of a synchronous session.

The API calls them with its session; the voice service with `AsyncSession.run_sync`, so the
policy exists once. Each `begin_*` starts by locking the chat row (lock.py: an UPDATE, also on
SQLite), so concurrent turns, retries, regenerations and edits of one chat run one after the
other and never corrupt the tree. The caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import orm as so

from shared.auth.access import Caller
from shared.chats.conversation import HistoryBudget, model_context
from shared.core.db import utcnow
from shared.core.models import Message, MessageBy, MessageStatus
from shared.providers.base import ChatMessage
from shared.turns import tree
from shared.turns.failures import TurnRefused, message_not_found
from shared.turns.lock import LockedChat, lock_chat
from shared.turns.references import with_references
from shared.turns.rows import add_turn, message_values
from shared.usage.reservations import Reserving, Ticket


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
    # The agent's tools (public names) and reasoning effort (None: the default).
    tools: tuple[str, ...] = ()
    reasoning_effort: str | None = None


def agent_options(chat: LockedChat) -> tuple[tuple[str, ...], str | None]:
    return tuple(chat.tools or ()), chat.reasoning_effort


def ledger_row(reserving: Reserving | None) -> dict[str, Any] | None:
    """The ledger row a turn inserts with its messages (its lock checked the budgets)."""
    return reserving.row() if reserving is not None else None


def started(
    session: so.Session,
    chat: LockedChat,
    caller: Caller,
    user: Message,
    ai: Message,
    budget: HistoryBudget,
    ticket: Ticket | None,
) -> Started:
    """The turn once its messages are in the tree: the model's context read after them."""
    history = tree.in_context(tree.branch_end(session, chat.id, budget.max_messages))
    context = model_context(chat.prompt, history, budget)
    for message in (user, ai):
        if sa.inspect(message).expired_attributes:  # loaded before the tree changed
            session.refresh(message)
    context = with_references(session, chat, caller, user, ai, context, budget)
    return Started(chat.id, user, ai, context, chat.model, ticket, *agent_options(chat))


def begin_ask(
    session: so.Session,
    caller: Caller,
    chat_id: int,
    content: str,
    budget: HistoryBudget,
    reserving: Reserving | None = None,
) -> Started:
    """Store the question after the shown branch, its reply as pending and (`reserving`) the
    ledger row the reply is charged to.

    The branch's end is read once, before the question joins it (the chat is locked, so it
    cannot change meanwhile): it gives both the parent and the model's history.
    """
    chat = lock_chat(session, caller, chat_id, said=content, reserving=reserving)
    newest = tree.branch_end(session, chat.id, budget.max_messages)
    tip = newest[0] if newest else None
    parent_id = tip.id if tip is not None else None
    version = tree.next_version(session, chat.id, parent_id) if tip and tip.has_children else 1
    depth = tip.depth + 1 if tip is not None else 1
    question = message_values(chat.id, caller, MessageBy.USER, content, parent_id, version, depth)
    reply = message_values(chat.id, caller, MessageBy.AI, "", None, 1, depth + 1)
    new = add_turn(session, chat.id, caller, question, reply, ledger_row(reserving))
    user, ai = cast(Message, new.question), cast(Message, new.reply)
    context = model_context(chat.prompt, [user, *tree.in_context(newest)], budget)
    context = with_references(session, chat, caller, user, ai, context, budget)
    return Started(chat.id, user, ai, context, chat.model, new.ticket, *agent_options(chat))


def answer_to(
    session: so.Session,
    chat: LockedChat,
    caller: Caller,
    question: Message,
    budget: HistoryBudget,
    reserving: Reserving | None,
    version: int | None = None,
) -> Started:
    """A new pending reply to `question`, as the newest version among its replies
    (`version`, when the caller made room for it already)."""
    if version is None:
        version = tree.next_version(session, chat.id, question.id)
    depth = question.depth + 1
    reply = message_values(chat.id, caller, MessageBy.AI, "", question.id, version, depth)
    new = add_turn(session, chat.id, caller, None, reply, ledger_row(reserving))
    return started(session, chat, caller, question, cast(Message, new.reply), budget, new.ticket)


def begin_retry(
    session: so.Session,
    caller: Caller,
    chat_id: int,
    budget: HistoryBudget,
    reserving: Reserving | None = None,
) -> Started:
    """Answer the shown branch's unanswered question, or its failed reply again (in place).

    One retry per message is in flight: a second one finds the reply pending and is refused.
    """
    chat = lock_chat(session, caller, chat_id, reserving=reserving)
    tip = tree.branch_tip(session, chat.id)
    if tip is not None and tip.message_by is MessageBy.USER:
        return answer_to(session, chat, caller, tip, budget, reserving)
    if tip is not None and tip.status is MessageStatus.PENDING:
        raise TurnRefused(409, "The reply is already being written.", "reply_pending")
    question = session.get(Message, tip.parent_id) if tip and tip.parent_id else None
    if tip is None or tip.status is not MessageStatus.FAILED or question is None:
        raise TurnRefused(409, "There is no unanswered message to reply to.", "nothing_to_retry")
    reset_reply(tip)
    session.flush()
    ticket = add_turn(session, chat.id, caller, None, None, ledger_row(reserving)).ticket
    return started(session, chat, caller, question, tip, budget, ticket)


def reset_reply(reply: Message) -> None:
    reply.status = MessageStatus.PENDING
    reply.content = ""
    reply.updated_at = utcnow()
    reply.error_stage = reply.error_reason = None
    reply.prompt_tokens = reply.completion_tokens = None
    reply.first_token_ms = reply.total_ms = None
    reply.sources = None


def message_and_parent(
    session: so.Session, chat: LockedChat, message_id: int, by: MessageBy
) -> tuple[Message, Message | None]:
    """Message `message_id` of the chat, sent `by`, and the message it follows, in one read."""
    row = session.execute(_MESSAGE_AND_PARENT, {"target": message_id, "chat": chat.id}).first()
    if row is None:
        raise message_not_found()
    message, parent = row
    if message.message_by is not by:
        if by is MessageBy.AI:
            raise TurnRefused(409, "That message is not an AI reply.", "not_a_reply")
        raise TurnRefused(409, "That message is not one you sent.", "not_a_question")
    return message, parent


def _message_and_parent() -> sa.Select[Message, Message]:
    parent = so.aliased(Message)
    return (
        sa.select(Message, parent)
        .outerjoin(parent, parent.id == Message.parent_id)
        .where(
            Message.id == sa.bindparam("target", type_=sa.Integer),
            Message.chat_id == sa.bindparam("chat", type_=sa.Integer),
        )
    )


_MESSAGE_AND_PARENT = _message_and_parent()


def begin_regenerate(
    session: so.Session,
    caller: Caller,
    chat_id: int,
    message_id: int,
    budget: HistoryBudget,
    reserving: Reserving | None = None,
) -> Started:
    """A new version of AI reply `message_id`, answering the same question; the earlier
    version and what followed it stay stored, off the shown branch."""
    chat = lock_chat(session, caller, chat_id, reserving=reserving)
    reply, question = message_and_parent(session, chat, message_id, MessageBy.AI)
    if question is None:
        raise TurnRefused(409, "That reply answers no message.", "not_a_reply")
    version = tree.make_room(session, chat.id, question)
    session.expire(reply)  # no longer shown, one version more
    return answer_to(session, chat, caller, question, budget, reserving, version)


def begin_edit(
    session: so.Session,
    caller: Caller,
    chat_id: int,
    message_id: int,
    content: str,
    budget: HistoryBudget,
    reserving: Reserving | None = None,
) -> Started:
    """A new version of the caller's message `message_id` with `content`, and its reply."""
    chat = lock_chat(session, caller, chat_id, said=content, reserving=reserving)
    original, parent = message_and_parent(session, chat, message_id, MessageBy.USER)
    depth = original.depth  # the new version takes the original's place
    version = tree.make_room(session, chat.id, parent)
    session.expire(original)  # no longer shown, one version more
    parent_id = parent.id if parent is not None else None
    question = message_values(chat.id, caller, MessageBy.USER, content, parent_id, version, depth)
    reply = message_values(chat.id, caller, MessageBy.AI, "", None, 1, depth + 1)
    new = add_turn(session, chat.id, caller, question, reply, ledger_row(reserving))
    user, ai = cast(Message, new.question), cast(Message, new.reply)
    return started(session, chat, caller, user, ai, budget, new.ticket)


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
