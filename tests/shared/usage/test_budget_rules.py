"""The budget rules on their own: when a spent budget allows a turn again, what the refusal
says, how tokens are counted when a provider reports none, who may read /metrics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from shared.core.metrics import may_read
from shared.providers.base import NO_USAGE, ChatMessage, Usage
from shared.usage.budgets import WINDOW, Budget, QuotaExceeded, estimate, resets_at
from shared.usage.reservations import spent

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
GUESTS = Budget("guest", 100, (("b_guest", "g-1"),))


def test_spent_budget_resets_when_enough_old_tokens_leave_the_window() -> None:
    rows = [(NOW - timedelta(hours=20), 60), (NOW - timedelta(hours=10), 30), (NOW, 20)]
    used = sum(tokens for _, tokens in rows)  # 110
    assert resets_at(rows, used, 100, NOW) == rows[0][0] + WINDOW  # 50 left in the window
    assert resets_at(rows, used, 40, NOW) == rows[1][0] + WINDOW  # 20 left
    assert resets_at(rows, used, 10, NOW) == NOW + WINDOW  # all of it must leave


def test_refusal_names_the_budget_and_when_it_resets() -> None:
    refusal = QuotaExceeded(GUESTS, NOW + timedelta(hours=3, minutes=12), NOW)
    assert refusal.retry_after == 3 * 3600 + 12 * 60
    assert refusal.message == (
        "The daily budget for guests (100 tokens) is used up; "
        "it resets in 3 h 12 min, at 15:12 UTC."
    )
    assert refusal.details()["reason"] == "quota"
    soon = QuotaExceeded(Budget("user", 1, sa.true()), NOW + timedelta(seconds=5), NOW)
    assert "your account (1 token)" in soon.message and "resets in 1 min" in soon.message


def test_reported_usage_is_charged_and_missing_usage_is_estimated() -> None:
    context: list[ChatMessage] = [{"role": "user", "content": "x" * 40}]
    reported = spent(context, "y" * 9, Usage(7, 3))
    assert (reported.prompt_tokens, reported.completion_tokens) == (7, 3)
    guessed = spent(context, "y" * 9, NO_USAGE)
    assert (guessed.prompt_tokens, guessed.completion_tokens) == (10, 3)


def test_a_turn_reserves_the_largest_recent_turn() -> None:
    assert estimate([None, 30, 120]) == 120
    assert estimate([None]) == 1000


def test_metrics_allow_list_takes_addresses_and_networks() -> None:
    allowed = ("127.0.0.1", "10.0.0.0/8", "not-an-address")
    assert may_read("127.0.0.1", allowed) and may_read("10.4.5.6", allowed)
    assert not may_read("192.168.1.1", allowed) and not may_read(None, allowed)
    assert not may_read("<local>", allowed)
