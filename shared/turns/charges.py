"""Budgets at the turn engine's entry and exit (the rules are in shared/usage/budgets.py).

A turn starts only once the caller's budgets allow it. `begin` (and `abegin`, its voice-service
twin) has the engine's `store.begin_*` check them in the statement that locks the chat and
write the turn's reservation to the ledger with its messages, in one transaction (refused,
nothing is stored). A voice turn reserves before it transcribes (`areserved`) and gives the
reservation back when the turn cannot start. `Started` carries the ticket. Where the reply
is finished (`finish`, atomically with the reply), the ticket is charged what the reply used
(the provider's reported usage, estimated from the text where it reported none) or given back
when the reply failed. A stopped reply is charged what it used; a reply finished after its
client left is charged its real usage. Only a reply whose process died keeps its reservation.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any, Protocol, TypeVar

import sqlalchemy as sa
from sqlalchemy import orm as so
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.auth.access import Caller
from shared.core import metrics
from shared.core.config import Config
from shared.core.db import first_row, on_its_own
from shared.core.models import Message, MessageStatus
from shared.turns import batched, replies
from shared.turns.store import Started
from shared.usage import reservations as quotas
from shared.usage.atomic import CheckThreads

Begin = Callable[..., Started]
T = TypeVar("T")


class Writer(Protocol):
    """What the async entry needs of the voice service's writer (shared/turns/generation.py):
    its sessions, and running a sync store function in a fresh committed session."""

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]: ...

    async def run(self, work: Callable[..., T], *args: Any) -> T: ...


def begin(
    session: so.Session, config: Config, ip: str, work: Begin, caller: Caller, *args: Any
) -> Started:
    """`work(session, caller, *args)` (a `store.begin_*`) and the turn's reservation, in one
    committed transaction, or nothing when a budget is spent or the work is refused."""
    reserving = quotas.Reserving.of(config, caller, ip)
    with quotas.worker_lock(reserving):
        return begun(session, reserving, work, caller, *args)


def begun(
    session: so.Session, reserving: quotas.Reserving, work: Begin, caller: Caller, *args: Any
) -> Started:
    """`begin` without the worker's lock (the caller holds it)."""
    try:
        # The chat's lock checks the budgets; the settlement names the model used.
        turn = work(session, caller, *args, reserving=reserving)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return turn


@dataclass(frozen=True)
class Reservation:
    """A turn the budgets allowed, not started yet (e.g. while its recording is transcribed)."""

    writer: Writer
    ticket: quotas.Ticket

    async def begin(self, work: Begin, *args: Any) -> Started:
        """`work(session, *args)` (a `store.begin_*`) in the writer's session, with the ticket."""
        turn = await self.writer.run(work, *args)
        return replace(turn, ticket=self.ticket)


@asynccontextmanager
async def areserved(
    writer: Writer, checks: CheckThreads, config: Config, caller: Caller, ip: str
) -> AsyncIterator[Reservation]:
    """Check the budgets (on the check threads); the reservation is given back if the block
    fails (the turn never started). Once the block ends the turn is running and its reply
    settles the ticket."""
    ticket = await checks.run(quotas.check, config, caller, ip, None)
    try:
        yield Reservation(writer, ticket)
    except BaseException:
        await quotas.arelease(writer.sessions, ticket)
        raise


async def abegin(
    writer: Writer, config: Config, ip: str, work: Begin, caller: Caller, *args: Any
) -> Started:
    """`begin` for the voice service: the same transaction, in the writer's session."""
    reserving = quotas.Reserving.of(config, caller, ip)
    async with quotas.async_worker_lock(reserving):
        return await writer.run(begun, reserving, work, caller, *args)


def charge_stmt(turn: Started, outcome: replies.Outcome) -> quotas.BoundStatement | None:
    """What settles the turn's ticket: the tokens its reply used (returning the model's name),
    or the reservation given back when the reply failed."""
    if turn.ticket is None:
        return None
    if outcome.status is MessageStatus.FAILED and not outcome.tool_calls:
        return quotas.release(turn.ticket)  # tool rounds that ran before a failure are charged
    return quotas.settle(turn.ticket, spent(turn, outcome))


def spent(turn: Started, outcome: replies.Outcome) -> quotas.Spent:
    return quotas.spent(turn.context, outcome.content, outcome.usage, outcome.model)


def counted(turn: Started, outcome: replies.Outcome, model: str | None) -> None:
    if turn.ticket is not None and (
        outcome.status is not MessageStatus.FAILED or outcome.tool_calls
    ):
        used = spent(turn, outcome)
        metrics.count_tokens(model or "unknown", used.prompt_tokens, used.completion_tokens)


def finish(session: so.Session, turn: Started, outcome: replies.Outcome) -> Message | None:
    """Store how the turn's reply ended and settle its charge, atomically: one statement on
    PostgreSQL (its own transaction), else two in the session's transaction (the caller
    commits)."""
    charge = charge_stmt(turn, outcome)
    if not batched.writes_at_once(session):
        reply = replies.finish(session, turn.ai_message, outcome)
        # A settlement returns the model it charged; a reservation given back returns nothing.
        charged = first_row(session, *charge) if charge is not None else None
        model = charged[0] if charged is not None else None
        counted(turn, outcome, model)
        return reply
    on_its_own(session)
    finishing, params = replies.finish_stmt(turn.ai_message.id, outcome)
    charging, charge_params = charge or (None, {})
    both = _finish_at_once(finishing, charging)
    row = first_row(session, both, params | charge_params)
    if row is None:  # closed by someone else meanwhile: left as it is
        return replies.stored(session, turn.ai_message.id)
    counted(turn, outcome, row.charged_model)
    return replies.taken(turn.ai_message, row)


@functools.cache
def _finish_at_once(finishing: sa.UpdateBase, charging: sa.UpdateBase | None) -> sa.Select[Any]:
    """WITH finished AS (the reply's UPDATE), charged AS (the ticket's UPDATE or DELETE)
    SELECT the reply and the model charged; built once per pair of statements."""
    finished = finishing.cte("finished")
    charged_model: sa.ColumnElement[Any] = sa.null()
    ctes = []
    if charging is not None:
        charged = charging.cte("charged")
        ctes.append(charged)
        if "model" in charged.c:  # a settlement names the model it charged
            charged_model = sa.select(charged.c.model).scalar_subquery()
    return sa.select(*finished.c, charged_model.label("charged_model")).add_cte(*ctes)


def close(session: so.Session, turn: Started) -> None:
    """The reply cannot be finished (the process stops): it is failed, so nothing is charged."""
    replies.close(session, [turn.ai_message.id], replies.INTERRUPTED)
    if turn.ticket is not None:
        session.execute(*quotas.release(turn.ticket))
