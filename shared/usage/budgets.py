"""Token budgets over a rolling day: which budgets apply, what they have spent, when they reset.

Budgets count the LLM tokens in the usage ledger (`usage_events`). A running turn counts with
the reservation it made when it started, so turns running at once see each other. The turn
engine settles it where the reply ends (shared/turns/charges.py), also when the client went away;
a turn whose worker died never ends and keeps its reservation as its cost.

Defaults (see shared/core/config.py): guests 20,000 tokens a day each and 100,000 a day per client
IP (guest ids are free, so the IP budget is what stops a script minting new guests), users
unlimited (accounts are accountable; set QUOTA_USER_TOKENS_PER_DAY to cap them).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa

from shared.auth.access import Caller
from shared.core.config import Config
from shared.core.models import UsageEvent, UsageHour, UsageKind

WINDOW = timedelta(days=1)
# What a turn reserves when its caller has no finished turn in the window to learn from.
DEFAULT_TURN_ESTIMATE = 1000

BudgetName = Literal["user", "guest", "guest_ip"]
WHOSE: dict[BudgetName, str] = {
    "user": "your account",
    "guest": "guests",
    "guest_ip": "guests on your network",
}


# Which ledger rows each budget counts, with bound parameters: the statements over them are
# built once and run with `Budget.params` (building them per turn cost more than running them).
SCOPES: dict[BudgetName, sa.ColumnElement[bool]] = {
    "guest": UsageEvent.guest_id == sa.bindparam("b_guest", type_=sa.String),
    "guest_ip": sa.and_(
        UsageEvent.client_ip == sa.bindparam("b_ip", type_=sa.String),
        UsageEvent.guest_id.is_not(None),
    ),
    "user": sa.and_(
        UsageEvent.user_id == sa.bindparam("b_user", type_=sa.Integer),
        UsageEvent.guest_id.is_(None),
    ),
}


@dataclass(frozen=True)
class Budget:
    name: BudgetName
    limit: int
    # The values of its scope's parameters.
    scope_params: tuple[tuple[str, Any], ...]

    def params(self, now: datetime) -> dict[str, Any]:
        """The parameters of `spent_stmt` and `window_rows_stmt` at `now`."""
        since = now - WINDOW
        (_, key), *_ = self.scope_params  # the scope's one value, as usage_hours keys it
        scope = dict(self.scope_params) | {hours_key(self.name): str(key)}
        return scope | {"b_since": since, "b_hours": first_full_hour(since)}


class QuotaExceeded(Exception):
    """A token budget is used up; answered with 429, `Retry-After` and `errors.reason` quota."""

    def __init__(self, budget: Budget, resets_at: datetime, now: datetime) -> None:
        self.budget: str = budget.name
        self.limit = budget.limit
        self.resets_at = resets_at
        self.retry_after = max(1, math.ceil((resets_at - now).total_seconds()))
        self.message = (
            f"The daily budget for {WHOSE[budget.name]} ({tokens(budget.limit)}) is used up; "
            f"it resets in {duration(self.retry_after)}, at {resets_at:%H:%M} UTC."
        )
        super().__init__(self.message)

    def details(self) -> dict[str, object]:
        return {
            "reason": "quota",
            "budget": self.budget,
            "limit": self.limit,
            "resets_at": self.resets_at.isoformat(),
        }


def tokens(count: int) -> str:
    return f"{count:,} token" if count == 1 else f"{count:,} tokens"


def duration(seconds: int) -> str:
    hours, minutes = divmod(math.ceil(seconds / 60), 60)
    return f"{hours} h {minutes} min" if hours else f"{max(minutes, 1)} min"


def budgets_for(config: Config, caller: Caller, ip: str) -> list[Budget]:
    """The budgets a caller's turn counts against (limit 0 = unlimited)."""
    if caller.is_guest:
        return [
            Budget(
                "guest", max(config.quota_guest_tokens_per_day, 0), (("b_guest", caller.guest_id),)
            ),
            Budget("guest_ip", max(config.quota_guest_ip_tokens_per_day, 0), (("b_ip", ip),)),
        ]
    return [Budget("user", max(config.quota_user_tokens_per_day, 0), (("b_user", caller.user_id),))]


def row_tokens() -> sa.ColumnElement[int]:
    return UsageEvent.prompt_tokens + UsageEvent.completion_tokens


def in_window(name: BudgetName) -> sa.ColumnElement[bool]:
    since = sa.bindparam("b_since", type_=UsageEvent.created_at.type)
    return sa.and_(SCOPES[name], UsageEvent.kind == UsageKind.LLM, UsageEvent.created_at > since)


def first_full_hour(since: datetime) -> datetime:
    """The first hour wholly inside a window that starts (exclusive) at `since`."""
    return since.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


def hours_key(name: BudgetName) -> str:
    """The parameter naming a budget's scope in `usage_hours` (one per budget: a guest's two
    budgets are read in one statement)."""
    return f"b_key_{name}"


# Columns a budget's spent figure is read as (`spent_columns`).
SPENT_COLUMNS = 3


@functools.cache
def spent_columns(name: BudgetName) -> tuple[sa.ColumnElement[Any], ...]:
    """What budget `name` has spent in the window, and the largest finished turn in it (the
    next reservation; as two columns: hours, rows), as scalar subqueries for a statement that
    runs anyway (a turn's lock), run with `Budget.params`.

    The window's whole hours come from `usage_hours` (kept by triggers on the ledger: at most
    25 rows), its partial first hour from the ledger rows themselves: exact at every instant,
    and the work does not grow with the turns of the day."""
    hours = sa.and_(
        UsageHour.scope == name,
        UsageHour.scope_key == sa.bindparam(hours_key(name), type_=sa.String),
        UsageHour.hour_start >= sa.bindparam("b_hours", type_=UsageHour.hour_start.type),
    )
    first_hour = sa.and_(
        in_window(name),
        UsageEvent.created_at < sa.bindparam("b_hours", type_=UsageEvent.created_at.type),
    )
    finished = sa.case((UsageEvent.pending.is_(False), row_tokens()))
    used = sa.func.coalesce(sa.func.sum(UsageHour.tokens), 0)
    used_first = sa.func.coalesce(sa.func.sum(row_tokens()), 0)
    return (
        (
            sa.select(used).where(hours).scalar_subquery()
            + sa.select(used_first).where(first_hour).scalar_subquery()
        ),
        sa.select(sa.func.max(UsageHour.largest)).where(hours).scalar_subquery(),
        sa.select(sa.func.max(finished)).where(first_hour).scalar_subquery(),
    )


@functools.cache
def spent_stmt(name: BudgetName) -> sa.Select[Any]:
    """`spent_columns` as a statement of its own (one row), run with `Budget.params`."""
    return sa.select(*spent_columns(name))


@functools.cache
def window_rows_stmt(name: BudgetName) -> sa.Select[datetime, int]:
    return (
        sa.select(UsageEvent.created_at, row_tokens())
        .where(in_window(name))
        .order_by(UsageEvent.created_at)
    )


def resets_at(
    rows: Iterable[tuple[datetime, int]], used: int, limit: int, now: datetime
) -> datetime:
    """When enough of the oldest tokens leave the window for the budget to allow a turn again."""
    for created_at, tokens in rows:
        used -= tokens
        if used < limit:
            return created_at + WINDOW
    return now + WINDOW


def estimate(largest_turns: Iterable[int | None]) -> int:
    known = [tokens for tokens in largest_turns if tokens]
    return max(known) if known else DEFAULT_TURN_ESTIMATE
