"""The rows a turn adds: its question, its pending reply, the reservation it is charged to.

They are written together (`batched.insert_turn`: one statement on PostgreSQL) and kept in the
session as stored, so nothing is read back after the INSERT.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import orm as so

from shared.auth.access import Caller
from shared.core.db import utcnow
from shared.core.models import Message, MessageBy, MessageStatus
from shared.turns import batched
from shared.usage.reservations import Ticket


def message_values(
    chat_id: int,
    caller: Caller,
    by: MessageBy,
    content: str,
    parent_id: Any,
    version: int,
    depth: int,
) -> dict[str, Any]:
    """Every column of a new message at the end of the shown branch, as version `version`,
    `depth` its place in the branch (its parent's + 1, 1 for a first message)."""
    now = utcnow()
    status = MessageStatus.PENDING if by is MessageBy.AI else MessageStatus.COMPLETE
    return {
        **dict.fromkeys(UNSET_AT_START),
        "chat_id": chat_id,
        "user_id": caller.user_id,
        "message_by": by,
        "content": content,
        "created_at": now,
        "updated_at": now,
        "parent_id": parent_id,
        "status": status,
        "version": version,
        "version_count": version,
        "selected": True,
        "depth": depth,
    }


# A reply's outcome, empty until it ends.
UNSET_AT_START = (
    "model",
    "prompt_tokens",
    "completion_tokens",
    "first_token_ms",
    "total_ms",
    "error_stage",
    "error_reason",
    "tool_calls",
)


@dataclass(frozen=True)
class NewTurn:
    """The messages a turn added (the question None when it answers an existing one)."""

    question: Message | None
    reply: Message | None
    ticket: Ticket | None


def add_turn(
    session: so.Session,
    chat_id: int,
    caller: Caller,
    question: dict[str, Any] | None,
    reply: dict[str, Any] | None,
    reserving: dict[str, Any] | None,
) -> NewTurn:
    """Insert the turn's question, its pending reply and its ledger reservation (one statement
    where the database allows it) and keep the messages in the session as stored."""
    ids = batched.insert_turn(session, question, reply, reserving)
    if question is not None and reply is not None:
        reply = {**reply, "parent_id": ids.question_id}
    ticket = Ticket(ids.reservation_id) if ids.reservation_id is not None else None
    return NewTurn(
        _as_stored(session, ids.question_id, question),
        _as_stored(session, ids.reply_id, reply),
        ticket,
    )


def _as_stored(
    session: so.Session, message_id: int | None, values: dict[str, Any] | None
) -> Message | None:
    if message_id is None or values is None:
        return None
    message = Message(id=message_id, **values)
    so.make_transient_to_detached(message)  # as if just loaded: no second INSERT, no reload
    if "sources" not in values:  # stored as NULL (a turn from files sets them after)
        so.attributes.set_committed_value(message, "sources", None)
    session.add(message)
    return message
