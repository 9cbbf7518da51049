"""Speech allowances over a rolling day: characters spoken (read aloud, spoken replies) and
seconds of recordings transcribed, per account, per guest and per guest IP, in the same
ledger as replies (`usage_events`, kind tts/stt).

A speech call's size is known before it is made (a text's length, a recording's duration),
so `acharge` checks the allowances and writes the call's ledger row in one atomic step
(shared/usage/atomic.py) before the call: an allowance is never overshot. A call that fails
gives its row back (`arefund`): upstreams do not bill failed calls. Calls made one after
another (a streamed reply's sentences) may share one row: `areserve` reserves more than the
first needs, as far as the allowances leave room, and `asettle` sets it to what was spoken.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm as so
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.auth.access import Caller
from shared.core.config import Config
from shared.core.db import aon_its_own, on_its_own, utcnow
from shared.core.models import UsageEvent, UsageKind
from shared.usage.atomic import CheckThreads, lock_scopes, scope_key
from shared.usage.budgets import SCOPES, WHOSE, WINDOW, BudgetName, QuotaExceeded, duration
from shared.usage.speech import speech_event

UNITS = {UsageKind.TTS: "characters", UsageKind.STT: "seconds"}
_SCOPE_PARAM: dict[BudgetName, str] = {"guest": "b_guest", "guest_ip": "b_ip", "user": "b_user"}


@dataclass(frozen=True)
class SpeechBudget:
    scope: BudgetName
    kind: UsageKind
    limit: int
    key: str | int

    @property
    def name(self) -> str:
        """`guest_speech_characters`, `user_speech_seconds`, ..."""
        return f"{self.scope}_speech_{UNITS[self.kind]}"

    @property
    def unit(self) -> str:
        return UNITS[self.kind]

    def params(self, now: datetime) -> dict[str, Any]:
        return {_SCOPE_PARAM[self.scope]: self.key, "b_since": now - WINDOW}


class SpeechQuotaExceeded(QuotaExceeded):
    """A speech allowance does not cover the call; answered like a spent token budget."""

    def __init__(self, budget: SpeechBudget, left: int, resets_at: datetime, now: datetime):
        Exception.__init__(self, budget.name)
        self.budget, self.limit, self.resets_at = budget.name, budget.limit, resets_at
        self.retry_after = max(1, math.ceil((resets_at - now).total_seconds()))
        self.message = (
            f"The daily speech allowance for {WHOSE[budget.scope]} ({budget.limit:,} "
            f"{budget.unit}) has {left:,} left, less than this needs; it resets in "
            f"{duration(self.retry_after)}, at {resets_at:%H:%M} UTC."
        )

    def details(self) -> dict[str, object]:
        return super().details() | {"unit": self.budget.rsplit("_", 1)[-1]}


def speech_budgets(config: Config, caller: Caller, ip: str, kind: UsageKind) -> list[SpeechBudget]:
    """The speech allowances of `kind` a caller's call counts against (limit 0 = unlimited)."""
    unit = "chars" if kind == UsageKind.TTS else "seconds"

    def limit(scope: str) -> int:
        return max(int(getattr(config, f"quota_{scope}_speech_{unit}_per_day")), 0)

    if caller.is_guest:
        assert caller.guest_id is not None
        return [
            SpeechBudget("guest", kind, limit("guest"), caller.guest_id),
            SpeechBudget("guest_ip", kind, limit("guest_ip"), ip),
        ]
    return [SpeechBudget("user", kind, limit("user"), caller.user_id)]


def amount(kind: UsageKind) -> sa.ColumnElement[Any]:
    column = UsageEvent.speech_characters if kind == UsageKind.TTS else UsageEvent.speech_seconds
    return sa.func.coalesce(column, 0)


def _in_window(scope: BudgetName, kind: UsageKind) -> sa.ColumnElement[bool]:
    since = sa.bindparam("b_since", type_=UsageEvent.created_at.type)
    return sa.and_(SCOPES[scope], UsageEvent.kind == kind, UsageEvent.created_at > since)


@functools.cache
def used_stmt(scope: BudgetName, kind: UsageKind) -> sa.Select[Any]:
    return sa.select(sa.func.coalesce(sa.func.sum(amount(kind)), 0)).where(_in_window(scope, kind))


@functools.cache
def rows_stmt(scope: BudgetName, kind: UsageKind) -> sa.Select[Any]:
    window = _in_window(scope, kind)
    return sa.select(UsageEvent.created_at, amount(kind)).where(window).order_by("created_at")


def resets_at(
    rows: Iterable[tuple[datetime, float]], used: float, needed: float, limit: int, now: datetime
) -> datetime:
    """When enough of the oldest use leaves the window for a call of `needed` to fit."""
    for created_at, spent in rows:
        used -= spent
        if used + needed <= limit:
            return created_at + WINDOW
    return now + WINDOW


def used(session: so.Session, budget: SpeechBudget, now: datetime) -> float:
    return float(session.scalar(used_stmt(budget.scope, budget.kind), budget.params(now)))


def reserve(
    sessions: so.sessionmaker[so.Session],
    config: Config,
    caller: Caller,
    ip: str,
    spoken: tuple[UsageKind, float, str],
    up_to: float = 0,
) -> tuple[int, float]:
    """Write a speech call's ledger row (`spoken`: its kind, characters or seconds, model) if
    the caller's allowances cover it, atomically with their check (SpeechQuotaExceeded when
    one does not), before the call. The row holds as much as the allowances leave of `up_to`,
    never less than the call needs: one row for several calls, settled to what they used
    (`asettle`). Returns the row's id and the amount reserved. Blocking (see `areserve`)."""
    kind, needed, model = spoken
    budgets = [b for b in speech_budgets(config, caller, ip, kind) if b.limit]
    with sessions() as session:
        if budgets:  # one transaction: no other check of these allowances until it commits
            lock_scopes(session.connection(), [scope_key(b.name, b.key) for b in budgets])
        else:
            on_its_own(session)
        now, room = utcnow(), math.inf
        for budget in budgets:
            spent = used(session, budget, now)
            if spent + needed > budget.limit:
                rows = session.execute(rows_stmt(budget.scope, kind), budget.params(now))
                back = resets_at(rows, spent, needed, budget.limit, now)
                raise SpeechQuotaExceeded(budget, max(0, int(budget.limit - spent)), back, now)
            room = min(room, budget.limit - spent)
        granted = max(needed, min(up_to, room))
        size = {"characters": int(granted)} if kind == UsageKind.TTS else {"seconds": granted}
        event = speech_event(caller, ip, kind, model, **size)
        session.add(event)
        session.flush()
        event_id = event.id
        session.commit()
        return event_id, granted


async def acharge(
    checks: CheckThreads,
    config: Config,
    caller: Caller,
    ip: str,
    spoken: tuple[UsageKind, float, str],
) -> int:
    """A row for one speech call (`reserve` for exactly what it needs); returns its id."""
    ticket, _ = await areserve(checks, config, caller, ip, spoken)
    return ticket


async def areserve(
    checks: CheckThreads,
    config: Config,
    caller: Caller,
    ip: str,
    spoken: tuple[UsageKind, float, str],
    up_to: float = 0,
) -> tuple[int, float]:
    """`reserve` for asyncio services, on their check threads (shared/usage/atomic.py)."""
    return await checks.run(reserve, config, caller, ip, spoken, up_to)


async def asettle(sessions: async_sessionmaker[AsyncSession], event_id: int, chars: int) -> None:
    """A reservation of characters (`reserve`) set to the `chars` its calls spoke: what was
    reserved but not spoken is given back."""
    if chars <= 0:
        await arefund(sessions, event_id)
        return
    async with sessions() as session:
        await aon_its_own(session)
        await session.execute(
            sa.update(UsageEvent).where(UsageEvent.id == event_id).values(speech_characters=chars)
        )
        await session.commit()


async def arefund(sessions: async_sessionmaker[AsyncSession], event_id: int) -> None:
    """A speech call that failed costs nothing: its row is deleted."""
    async with sessions() as session:
        await aon_its_own(session)
        await session.execute(sa.delete(UsageEvent).where(UsageEvent.id == event_id))
        await session.commit()
