"""Budgets at the turn engine's entry and exit (the rules are in shared/budgets.py).

A turn starts only once the caller's budgets allow it: `begin` checks them, then writes the turn's
reservation to the ledger in the transaction of the engine's `store.begin_*` (refused, neither
is stored); `abegin` checks them before (the voice service reserves before it transcribes) and
gives the reservation back when the turn cannot start. Both carry the ticket on `Started`.
Where the reply is finished (`finish`, in the same transaction as the reply), the ticket is
charged what the reply used — the provider's reported usage, estimated from the text where it
reported none — or given back when the reply failed. A stopped reply is charged what it used;
a reply finished after its client left is charged its real usage. Only a reply whose process
died keeps its reservation.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import orm as so

from shared import metrics, quotas
from shared.access import Caller
from shared.config import Config
from shared.models import Message, MessageStatus
from shared.turns import replies
from shared.turns.store import Started

if TYPE_CHECKING:
    from shared.turns.generation import Writer

Begin = Callable[..., Started]


def begin(
    session: so.Session, config: Config, ip: str, work: Begin, caller: Caller, *args: Any
) -> Started:
    """`work(session, caller, *args)` (a `store.begin_*`) and the turn's reservation, in one
    committed transaction, or nothing when a budget is spent or the work is refused."""
    with quotas.worker_lock(config, caller, ip):
        try:
            tokens = quotas.allowance(session, config, caller, ip)
            turn = work(session, caller, *args)
            ticket = quotas.reserve(session, config, caller, ip, turn.model, tokens)
            session.commit()
        except BaseException:
            session.rollback()
            raise
    return replace(turn, ticket=ticket)


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
    writer: Writer, config: Config, caller: Caller, ip: str
) -> AsyncIterator[Reservation]:
    """Check the budgets; the reservation is given back if the block fails (the turn never
    started). Once the block ends the turn is running and its reply settles the ticket."""
    ticket = await quotas.acheck(writer.sessions, config, caller, ip, None)
    try:
        yield Reservation(writer, ticket)
    except BaseException:
        await quotas.arelease(writer.sessions, ticket)
        raise


async def abegin(
    writer: Writer, config: Config, ip: str, work: Begin, caller: Caller, *args: Any
) -> Started:
    """`begin` for the voice service (the store runs in the writer's session)."""
    async with areserved(writer, config, caller, ip) as reservation:
        return await reservation.begin(work, caller, *args)


def settle(session: so.Session, turn: Started, outcome: replies.Outcome) -> None:
    """Charge the turn's ticket what its reply used, or give it back when the reply failed
    (in `session`'s transaction; the caller commits)."""
    if turn.ticket is None:
        return
    if outcome.status is MessageStatus.FAILED:
        session.execute(quotas.release_stmt(turn.ticket))
        return
    used = quotas.spent(turn.context, outcome.content, outcome.usage, outcome.model)
    model = session.scalar(quotas.settle_stmt(turn.ticket, used))
    metrics.count_tokens(model or "unknown", used.prompt_tokens, used.completion_tokens)


def finish(session: so.Session, turn: Started, outcome: replies.Outcome) -> Message | None:
    """Store how the turn's reply ended and settle its charge, in one transaction."""
    reply = replies.finish(session, turn.ai_message.id, outcome)
    settle(session, turn, outcome)
    return reply


def close(session: so.Session, turn: Started) -> None:
    """The reply cannot be finished (the process stops): it is failed, so nothing is charged."""
    replies.close(session, [turn.ai_message.id], replies.INTERRUPTED)
    if turn.ticket is not None:
        session.execute(quotas.release_stmt(turn.ticket))
