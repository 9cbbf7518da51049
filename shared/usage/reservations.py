"""Budgets applied to turns: checked before a turn starts, charged after it (sync and async).

A sync turn's `Reserving` is checked by the statement that locks its chat and its ledger row
inserted with its messages; `check` (a voice turn, before it transcribes) checks the budgets
and writes the row on its own. Either refuses a spent budget (QuotaExceeded); `settle` later
replaces the reservation by the tokens used. The check and the reservation are one atomic
step across processes and replicas: the transaction that checks first locks the budgets'
scopes (shared/usage/atomic.py) until it commits its reservation, so every check sees every
reservation made before it. A budget is thus overshot by at most one turn's excess over its
reservation (a turn reserves the caller's largest recent turn). `worker_lock` still orders a
worker's own checks, so they queue in the process rather than in the database.
"""

from __future__ import annotations

import asyncio
import functools
import threading
import weakref
from collections.abc import Iterable, Sequence
from contextlib import AbstractAsyncContextManager, AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import orm as so
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.auth.access import Caller
from shared.core import metrics
from shared.core.config import Config
from shared.core.db import aon_its_own, on_its_own, utcnow
from shared.core.models import UsageEvent, UsageKind
from shared.providers.base import NO_USAGE, ChatMessage, Usage
from shared.providers.registry import resolve
from shared.usage.atomic import lock_scopes, scope_key
from shared.usage.budgets import (
    DEFAULT_TURN_ESTIMATE,
    SPENT_COLUMNS,
    Budget,
    BudgetName,
    QuotaExceeded,
    budgets_for,
    estimate,
    resets_at,
    spent_columns,
    window_rows_stmt,
)

CHARS_PER_TOKEN = 4
_sync_lock = threading.Lock()
_async_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)


@dataclass(frozen=True)
class Ticket:
    """A started turn's ledger row."""

    event_id: int


@dataclass(frozen=True)
class Spent:
    """What a turn used; `model` None keeps the name reserved when the turn started."""

    prompt_tokens: int
    completion_tokens: int
    model: str | None = None


def spent(
    context: Sequence[ChatMessage], text: str, usage: Usage = NO_USAGE, model: str | None = None
) -> Spent:
    """A turn's tokens as the provider reported them, estimated from the text where it did not
    (about four characters a token), so a silent provider never makes turns free."""
    prompt_chars = sum(len(message["content"]) for message in context)
    prompt = usage.prompt_tokens
    completion = usage.completion_tokens
    return Spent(
        prompt if prompt is not None else -(-prompt_chars // CHARS_PER_TOKEN),
        completion if completion is not None else -(-len(text) // CHARS_PER_TOKEN),
        model,
    )


def model_label(config: Config, agent_model: str | None) -> str:
    """The model a turn will use as the ledger names it (the provider's name when offline)."""
    provider = resolve(config.llm_provider, config)
    return (agent_model or config.openai_chat_model) if provider == "openai" else provider


def reservation_row(caller: Caller, ip: str, model: str, tokens: int) -> dict[str, Any]:
    """The ledger row of a turn that starts, reserving `tokens` until its reply settles it."""
    return {
        "user_id": caller.user_id,
        "guest_id": caller.guest_id,
        "client_ip": ip,
        "kind": UsageKind.LLM,
        "model": model,
        "prompt_tokens": tokens,
        "pending": True,
    }


def reservation(caller: Caller, ip: str, model: str, tokens: int) -> UsageEvent:
    return UsageEvent(**reservation_row(caller, ip, model, tokens))


# Charges are statements built once and run with parameters (named unlike any column: an
# UPDATE would take such a parameter as a value to SET).
BoundStatement = tuple[sa.UpdateBase, dict[str, Any]]


def settle(ticket: Ticket, used: Spent) -> BoundStatement:
    """Replace the reservation by the tokens used (returning the model charged)."""
    params: dict[str, Any] = {"c_ticket": ticket.event_id, "c_prompt": used.prompt_tokens}
    params |= {"c_completion": used.completion_tokens, "c_model": used.model}
    return _settle_stmt(bool(used.model)), params


@functools.cache
def _settle_stmt(names_model: bool) -> sa.Update:
    values: dict[str, Any] = {
        "prompt_tokens": sa.bindparam("c_prompt", type_=sa.Integer),
        "completion_tokens": sa.bindparam("c_completion", type_=sa.Integer),
        "pending": False,
    }
    if names_model:  # else the name reserved when the turn started stays
        values["model"] = sa.bindparam("c_model", type_=sa.String)
    return (
        sa.update(UsageEvent)
        .where(UsageEvent.id == sa.bindparam("c_ticket", type_=sa.Integer))
        .values(values)
        .returning(UsageEvent.model)
    )


def release(ticket: Ticket) -> BoundStatement:
    """A turn that failed spent nothing (upstreams do not bill failed calls)."""
    return _RELEASE, {"c_ticket": ticket.event_id}


_RELEASE = sa.delete(UsageEvent).where(
    UsageEvent.id == sa.bindparam("c_ticket", type_=sa.Integer), UsageEvent.pending.is_(True)
)


class Spending:
    """What `spent_all_stmt` read: per budget (`SPENT_COLUMNS` each), the tokens used and the
    largest finished turn."""

    def __init__(self, budgets: list[Budget], row: Sequence[Any]) -> None:
        self.budgets = budgets
        self.row = row

    def used(self, budget: Budget) -> int:
        return int(self.row[SPENT_COLUMNS * self.budgets.index(budget)])

    @property
    def over(self) -> Budget | None:
        """The first budget that is spent, if any."""
        return next((b for b in self.budgets if self.used(b) >= b.limit), None)

    @property
    def estimate(self) -> int:
        """The tokens to reserve: the caller's largest recent turn (see budgets.estimate)."""
        return estimate(v for i, v in enumerate(self.row) if i % SPENT_COLUMNS)


def budget_params(budgets: list[Budget], now: datetime) -> dict[str, Any]:
    """The bound parameters of every budget's statements at `now`."""
    params: dict[str, Any] = {}
    for budget in budgets:
        params |= budget.params(now)
    return params


def spent_all(budgets: list[Budget], now: datetime) -> tuple[sa.Select[Any], dict[str, Any]]:
    """Every budget's `spent_columns` in one statement (one row: used, largest, used, ...),
    the same columns a sync turn's lock returns."""
    return _spent_all_stmt(tuple(budget.name for budget in budgets)), budget_params(budgets, now)


@functools.cache
def _spent_all_stmt(names: tuple[BudgetName, ...]) -> sa.Select[Any]:
    columns = [column for name in names for column in spent_columns(name)]
    return cast(sa.Select[Any], sa.select(*columns))


def scope_keys(budgets: list[Budget]) -> list[str]:
    """The keys `shared.usage.atomic.lock_scopes` locks for these budgets."""
    return [scope_key(budget.name, budget.scope_params[0][1]) for budget in budgets]


def limited(budgets: list[Budget]) -> list[Budget]:
    return [budget for budget in budgets if budget.limit]


def refusal(budget: Budget, rows: Iterable[Any], used: int, now: datetime) -> QuotaExceeded:
    """The 429 for a spent budget (`rows`: its window, oldest first), counted in the metrics."""
    metrics.QUOTA_REFUSALS.labels(budget=budget.name).inc()
    return QuotaExceeded(budget, resets_at(rows, used, budget.limit, now), now)


@dataclass
class Reserving:
    """A sync turn's charge while it starts: its lock reads what the limited budgets have
    spent (`spent_columns`, in the same statement), `check` refuses a spent one, and `row` is
    the ledger row then inserted with the turn's messages."""

    caller: Caller
    ip: str
    label: str
    budgets: list[Budget]
    now: datetime
    tokens: int = DEFAULT_TURN_ESTIMATE

    @classmethod
    def of(cls, config: Config, caller: Caller, ip: str) -> Reserving:
        budgets = limited(budgets_for(config, caller, ip))
        return cls(caller, ip, model_label(config, None), budgets, utcnow())

    @property
    def names(self) -> tuple[BudgetName, ...]:
        return tuple(budget.name for budget in self.budgets)

    def params(self) -> dict[str, Any]:
        return budget_params(self.budgets, self.now)

    def scope_keys(self) -> list[str]:
        return scope_keys(self.budgets)

    def check(self, session: so.Session, spent_row: Sequence[Any]) -> None:
        """Refuse the turn if a budget is spent (QuotaExceeded); else learn what to reserve."""
        spent = Spending(self.budgets, spent_row)
        over = spent.over
        if over is not None:
            rows = session.execute(window_rows_stmt(over.name), over.params(self.now)).all()
            raise refusal(over, rows, spent.used(over), self.now)
        self.tokens = spent.estimate

    def row(self) -> dict[str, Any]:
        return reservation_row(self.caller, self.ip, self.label, self.tokens)


def worker_lock(reserving: Reserving) -> AbstractContextManager[Any]:
    """Held from a turn's budget check to its commit, so two turns of one worker never both
    pass on the same spent total; needed only when a budget is limited."""
    return _sync_lock if reserving.budgets else nullcontext()


def async_worker_lock(reserving: Reserving) -> AbstractAsyncContextManager[Any]:
    """`worker_lock` for asyncio services (a threading lock would block the event loop)."""
    return _async_lock() if reserving.budgets else nullcontext()


def _async_lock() -> asyncio.Lock:
    loop = asyncio.get_running_loop()
    if loop not in _async_locks:
        _async_locks[loop] = asyncio.Lock()
    return _async_locks[loop]


def check(
    sessions: so.sessionmaker[so.Session],
    config: Config,
    caller: Caller,
    ip: str,
    agent_model: str | None,
) -> Ticket:
    """A turn's budgets checked and its reservation written in one transaction before it
    starts (QuotaExceeded when one is spent); asyncio services run it on their CheckThreads."""
    with sessions() as session:
        now, budgets, tokens = utcnow(), limited(budgets_for(config, caller, ip)), estimate([])
        if not budgets:
            on_its_own(session)
        else:  # one transaction: no other check of these budgets until the reservation commits
            lock_scopes(session.connection(), scope_keys(budgets))
            spent = Spending(budgets, session.execute(*spent_all(budgets, now)).one())
            if (over := spent.over) is not None:
                rows = session.execute(window_rows_stmt(over.name), over.params(now))
                raise refusal(over, rows, spent.used(over), now)
            tokens = spent.estimate
        event = reservation(caller, ip, model_label(config, agent_model), tokens)
        session.add(event)
        session.flush()
        ticket = Ticket(event.id)
        session.commit()
        return ticket


async def arelease(sessions: async_sessionmaker[AsyncSession], ticket: Ticket) -> None:
    """`release` for asyncio services."""
    async with sessions() as session:
        await aon_its_own(session)
        await session.execute(*release(ticket))
        await session.commit()
