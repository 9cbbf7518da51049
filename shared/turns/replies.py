"""Writes to a reply while and after it is generated: progress, the end, a stop."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import orm as so

from shared.auth.access import Caller, own_chats
from shared.core.db import first_row, utcnow
from shared.core.models import Chat, Message, MessageBy, MessageStatus
from shared.providers.base import NO_USAGE, ProviderError, Usage
from shared.tools.rounds import Rounds
from shared.turns.failures import TurnRefused, failure_reason, message_not_found

# A pending reply's content is written at most this often (seconds) while it grows.
SAVE_INTERVAL = 0.5
INTERRUPTED = "interrupted"


@dataclass(frozen=True)
class Outcome:
    """How a reply ended, with what it cost."""

    status: MessageStatus
    content: str
    usage: Usage = NO_USAGE
    model: str | None = None
    first_token_ms: int | None = None
    total_ms: int | None = None
    # Why it failed (not stored as such: the stage and reason are).
    error: ProviderError | None = None
    # The tools it called (shared/tools/rounds.py), None when it called none.
    tool_calls: list[dict[str, Any]] | None = None

    @property
    def error_stage(self) -> str | None:
        return self.error.stage if self.error is not None else None

    @property
    def error_reason(self) -> str | None:
        return failure_reason(self.error) if self.error is not None else None


def with_calls(outcome: Outcome, rounds: Rounds) -> Outcome:
    """`outcome` with the tool calls of its rounds; a reply that failed after tool rounds is
    charged what those rounds used (it is not given back)."""
    if not rounds.calls:
        return outcome
    usage = rounds.usage() if outcome.status is MessageStatus.FAILED else outcome.usage
    return replace(outcome, tool_calls=rounds.stored(), usage=usage)


def failed(content: str, error: ProviderError, total_ms: int | None = None) -> Outcome:
    return Outcome(MessageStatus.FAILED, content, total_ms=total_ms, error=error)


def save_calls(
    session: so.Session, reply_id: int, content: str, calls: list[dict[str, Any]] | None
) -> bool:
    """Save the tool calls so far (followers and a reattached client see them) with the text."""
    saved = session.execute(
        sa.update(Message)
        .where(Message.id == reply_id, Message.status == MessageStatus.PENDING)
        .values(content=content, tool_calls=calls, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(saved.rowcount) == 1  # type: ignore[attr-defined]


def beat(session: so.Session, progress: dict[int, str], running: list[int]) -> set[int]:
    """A process's replies at one beat (shared/turns/beat.py): those no longer pending (stopped
    elsewhere) returned, the text of the others in `progress` saved; two statements in all."""
    gone = set(session.scalars(_GONE, {"b_ids": running}))
    rows = [
        {"b_id": reply_id, "b_content": text, "b_at": utcnow()}
        for reply_id, text in progress.items()
        if reply_id not in gone
    ]
    if rows:
        session.connection().execute(_PROGRESS, rows)  # one executemany
    return gone


def is_pending(session: so.Session, reply_id: int) -> bool:
    status = session.scalar(sa.select(Message.status).where(Message.id == reply_id))
    return status is MessageStatus.PENDING


def finish_stmt(reply_id: int, outcome: Outcome) -> tuple[sa.UpdateBase, dict[str, Any]]:
    """Store how the reply ended, returning it. A reply stopped meanwhile stays `stopped` with
    this text; one closed by someone else (e.g. a restart) is left alone (no row). Built once,
    run with parameters (named unlike any column, which an UPDATE would SET)."""
    params = {
        "f_reply": reply_id,
        "f_status": outcome.status.value,
        "f_content": outcome.content,
        "f_at": utcnow(),
        "f_model": outcome.model,
        "f_prompt": outcome.usage.prompt_tokens,
        "f_completion": outcome.usage.completion_tokens,
        "f_first": outcome.first_token_ms,
        "f_total": outcome.total_ms,
        "f_stage": outcome.error_stage,
        "f_reason": outcome.error_reason,
        "f_tools": outcome.tool_calls,
    }
    return _FINISH, params


def _param(name: str, column: Any) -> sa.BindParameter[Any]:
    return sa.bindparam(name, type_=column.type)


_STILL_STOPPED = sa.case(
    (Message.status == MessageStatus.STOPPED, MessageStatus.STOPPED.value),
    else_=sa.bindparam("f_status", type_=sa.String),
)
# A Core UPDATE of the table (the ORM's bulk UPDATE machinery costs more than the statement);
# the reply's object takes the returned row (`taken`).
_MESSAGES = cast(sa.Table, Message.__table__)
_FINISH = (
    sa.update(_MESSAGES)
    .where(
        Message.id == sa.bindparam("f_reply", type_=sa.Integer),
        # Not `in_`: a list of values is an expanding parameter, rewritten at every execution.
        sa.or_(Message.status == MessageStatus.PENDING, Message.status == MessageStatus.STOPPED),
    )
    .values(
        status=_STILL_STOPPED,
        content=_param("f_content", Message.content),
        updated_at=_param("f_at", Message.updated_at),
        model=_param("f_model", Message.model),
        prompt_tokens=_param("f_prompt", Message.prompt_tokens),
        completion_tokens=_param("f_completion", Message.completion_tokens),
        first_token_ms=_param("f_first", Message.first_token_ms),
        total_ms=_param("f_total", Message.total_ms),
        error_stage=_param("f_stage", Message.error_stage),
        error_reason=_param("f_reason", Message.error_reason),
        tool_calls=_param("f_tools", Message.tool_calls),
    )
    .returning(*_MESSAGES.c)
)


_GONE = sa.select(Message.id).where(
    Message.id.in_(sa.bindparam("b_ids", expanding=True)),
    Message.status != MessageStatus.PENDING,
)
_PROGRESS = (
    sa.update(_MESSAGES)
    .where(
        Message.id == sa.bindparam("b_id", type_=sa.Integer),
        Message.status == MessageStatus.PENDING,
    )
    .values(
        content=_param("b_content", Message.content),
        updated_at=_param("b_at", Message.updated_at),
    )
)


def finish(session: so.Session, reply: Message, outcome: Outcome) -> Message | None:
    """`finish_stmt`: the stored reply comes back from the UPDATE itself, not a second read."""
    row = first_row(session, *finish_stmt(reply.id, outcome))
    return taken(reply, row) if row is not None else stored(session, reply.id)


def taken(reply: Message, row: Any) -> Message:
    """`reply` as `row` (its columns as stored, by name) says, without a reload."""
    for column in _MESSAGES.c:
        so.attributes.set_committed_value(reply, column.key, getattr(row, column.key))
    return reply


def stored(session: so.Session, reply_id: int) -> Message | None:
    return session.get(Message, reply_id, populate_existing=True)


def reply_in(session: so.Session, chat_id: int, message_id: int) -> Message:
    """AI reply `message_id` of chat `chat_id` (whose access the caller checked)."""
    reply = session.scalar(
        sa.select(Message).where(
            Message.id == message_id,
            Message.chat_id == chat_id,
            Message.message_by == MessageBy.AI,
        )
    )
    if reply is None:
        raise message_not_found()
    return reply


def stop(session: so.Session, caller: Caller, chat_id: int, message_id: int) -> Message:
    """End a pending reply of the caller's chat as `stopped`, keeping the text saved so far."""
    message = session.scalar(
        sa.select(Message)
        .join(Chat, Chat.id == Message.chat_id)
        .where(Message.id == message_id, Message.chat_id == chat_id, own_chats(caller))
    )
    if message is None or message.message_by is not MessageBy.AI:
        raise message_not_found()
    stopped = session.execute(
        sa.update(Message)
        .where(Message.id == message_id, Message.status == MessageStatus.PENDING)
        .values(status=MessageStatus.STOPPED, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if int(stopped.rowcount) != 1:  # type: ignore[attr-defined]
        raise TurnRefused(409, "That reply is not being written.", "not_pending")
    session.refresh(message)
    return message


def close(session: so.Session, reply_ids: list[int], reason: str = INTERRUPTED) -> None:
    """End replies this process was writing and cannot finish (it is shutting down)."""
    if reply_ids:
        session.execute(
            sa.update(Message)
            .where(Message.id.in_(reply_ids), Message.status == MessageStatus.PENDING)
            .values(status=MessageStatus.FAILED, error_stage="llm", error_reason=reason)
            .execution_options(synchronize_session=False)
        )
