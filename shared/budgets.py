"""Token budgets over a rolling day: which budgets apply, what they have spent, when they reset.

Budgets count the LLM tokens in the usage ledger (`usage_events`). A running turn counts with
the reservation it made when it started, so turns running at once see each other. The turn
engine settles it where the reply ends (shared/turns/charges.py), also when the client went away;
a turn whose worker died never ends and keeps its reservation as its cost.

Defaults (see shared/config.py): guests 20,000 tokens a day each and 100,000 a day per client
IP (guest ids are free, so the IP budget is what stops a script minting new guests), users
unlimited (accounts are accountable; set QUOTA_USER_TOKENS_PER_DAY to cap them).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import sqlalchemy as sa

from shared.access import Caller
from shared.config import Config
from shared.models import UsageEvent, UsageKind

WINDOW = timedelta(days=1)
# What a turn reserves when its caller has no finished turn in the window to learn from.
DEFAULT_TURN_ESTIMATE = 1000

BudgetName = Literal["user", "guest", "guest_ip"]
WHOSE: dict[BudgetName, str] = {
    "user": "your account",
    "guest": "guests",
    "guest_ip": "guests on your network",
}


@dataclass(frozen=True)
class Budget:
    name: BudgetName
    limit: int
    scope: sa.ColumnElement[bool]


class QuotaExceeded(Exception):
    """A token budget is used up; answered with 429, `Retry-After` and `errors.reason` quota."""

    def __init__(self, budget: Budget, resets_at: datetime, now: datetime) -> None:
        self.budget = budget.name
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
        candidates: list[tuple[BudgetName, int, sa.ColumnElement[bool]]] = [
            ("guest", config.quota_guest_tokens_per_day, UsageEvent.guest_id == caller.guest_id),
            (
                "guest_ip",
                config.quota_guest_ip_tokens_per_day,
                sa.and_(UsageEvent.client_ip == ip, UsageEvent.guest_id.is_not(None)),
            ),
        ]
    else:
        own = sa.and_(UsageEvent.user_id == caller.user_id, UsageEvent.guest_id.is_(None))
        candidates = [("user", config.quota_user_tokens_per_day, own)]
    return [Budget(name, max(limit, 0), scope) for name, limit, scope in candidates]


def row_tokens() -> sa.ColumnElement[int]:
    return UsageEvent.prompt_tokens + UsageEvent.completion_tokens


def in_window(budget: Budget, now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        budget.scope, UsageEvent.kind == UsageKind.LLM, UsageEvent.created_at > now - WINDOW
    )


def spent_stmt(budget: Budget, now: datetime) -> sa.Select[int, int | None]:
    """Tokens counted in the window, and the largest finished turn (the next reservation)."""
    finished = sa.case((UsageEvent.pending.is_(False), row_tokens()))
    return sa.select(sa.func.coalesce(sa.func.sum(row_tokens()), 0), sa.func.max(finished)).where(
        in_window(budget, now)
    )


def window_rows_stmt(budget: Budget, now: datetime) -> sa.Select[datetime, int]:
    return (
        sa.select(UsageEvent.created_at, row_tokens())
        .where(in_window(budget, now))
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
