"""What `flask --app api purge` deletes: idle guest chats, revocations of expired tokens and
budget hours the budgets' window has left behind.

Deletes run in small batches, each its own short transaction, so the purge can run while both
services serve: no long locks, and a guest chat that becomes active again between finding it
and deleting it is kept (the idle condition is checked again by the DELETE itself).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import orm as so

from shared.core.models import Chat, Message, RevokedToken, UsageHour
from shared.usage.budgets import WINDOW

BATCH_SIZE = 500
Session = so.Session | so.scoped_session[Any]


@dataclass(frozen=True)
class Purged:
    guest_chats: int
    messages: int
    revocations: int
    budget_hours: int


def deleted(session: Session, statement: sa.Delete) -> int:
    return cast(sa.CursorResult[Any], session.execute(statement)).rowcount


def idle_guest_chat(cutoff: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(Chat.guest_id.is_not(None), Chat.updated_at < cutoff)


def purge_guest_chats(session: Session, cutoff: datetime, batch: int) -> tuple[int, int]:
    """Delete guest chats idle since before `cutoff` and their messages; (chats, messages)."""
    chats = messages = 0
    while ids := session.scalars(
        sa.select(Chat.id).where(idle_guest_chat(cutoff)).order_by(Chat.id).limit(batch)
    ).all():
        doomed = sa.and_(Chat.id.in_(ids), idle_guest_chat(cutoff))
        in_doomed = Message.chat_id.in_(sa.select(Chat.id).where(doomed))
        # Counted first: replies deleted with their question (parent_id cascade) are not in
        # the DELETE's row count.
        messages += session.scalar(sa.select(sa.func.count(Message.id)).where(in_doomed)) or 0
        session.execute(sa.delete(Message).where(in_doomed))
        chats += deleted(session, sa.delete(Chat).where(doomed))
        session.commit()
    return chats, messages


def purge_revocations(session: Session, now: datetime, batch: int) -> int:
    """Delete revocations of tokens that have expired anyway (they would be refused)."""
    removed = 0
    while ids := session.scalars(
        sa.select(RevokedToken.id).where(RevokedToken.expires_at < now).limit(batch)
    ).all():
        removed += deleted(session, sa.delete(RevokedToken).where(RevokedToken.id.in_(ids)))
        session.commit()
    return removed


def purge_budget_hours(session: Session, now: datetime) -> int:
    """Delete budget hours that ended before the budgets' window began (no budget reads them;
    the ledger keeps every row), one hour per transaction."""
    cutoff = now - WINDOW - timedelta(hours=1)
    removed = 0
    old = UsageHour.hour_start < cutoff
    while (
        oldest := session.scalar(sa.select(sa.func.min(UsageHour.hour_start)).where(old))
    ) is not None:
        removed += deleted(session, sa.delete(UsageHour).where(UsageHour.hour_start == oldest))
        session.commit()
    return removed


def purge(session: Session, now: datetime, retention_days: int, batch: int = BATCH_SIZE) -> Purged:
    cutoff = now - timedelta(days=retention_days)
    chats, messages = purge_guest_chats(session, cutoff, batch)
    revocations = purge_revocations(session, now, batch)
    return Purged(chats, messages, revocations, purge_budget_hours(session, now))
