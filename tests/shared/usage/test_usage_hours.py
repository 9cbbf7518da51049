"""Budget hours (`usage_hours`) always agree with the usage ledger, and a budget's spent figure
read from them is the ledger's own sum over the window, to the microsecond at its edges."""

from __future__ import annotations

import collections
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import orm as so

from shared.core.db import sync_engine
from shared.core.models import UsageEvent, UsageHour, UsageKind, User
from shared.usage.budgets import WINDOW, Budget, BudgetName, spent_stmt
from shared.usage.retention import purge_budget_hours
from tests.migrations.test_migrations import migrate, scratch_url

__all__ = ["scratch_url"]  # the fixture, used by name
Hours = dict[tuple[str, str, datetime], tuple[int, int | None]]
T0 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


@pytest.fixture
def engine(scratch_url: str) -> Iterator[sa.Engine]:
    migrate(scratch_url, "head")
    engine = sync_engine(scratch_url)
    yield engine
    engine.dispose()


def scopes(row: UsageEvent) -> list[tuple[str, str]]:
    """The budgets a ledger row counts against, as the budgets define them."""
    if row.kind is not UsageKind.LLM:
        return []
    if row.guest_id is not None:
        found = [("guest", row.guest_id)]
        return found + ([("guest_ip", row.client_ip)] if row.client_ip is not None else [])
    return [("user", str(row.user_id))] if row.user_id is not None else []


def from_ledger(session: so.Session) -> Hours:
    """usage_hours as it must be: the ledger summed per scope and UTC hour."""
    tokens: collections.Counter[tuple[str, str, datetime]] = collections.Counter()
    largest: dict[tuple[str, str, datetime], int | None] = {}
    for row in session.scalars(sa.select(UsageEvent)):
        hour = row.created_at.replace(minute=0, second=0, microsecond=0)
        for scope, key in scopes(row):
            tokens[(scope, key, hour)] += row.prompt_tokens + row.completion_tokens
            finished = None if row.pending else row.prompt_tokens + row.completion_tokens
            known = [v for v in (largest.get((scope, key, hour)), finished) if v is not None]
            largest[(scope, key, hour)] = max(known) if known else None
    return {key: (tokens[key], largest[key]) for key in tokens}


def kept(session: so.Session) -> Hours:
    """usage_hours as the triggers left it (hours whose rows all went away left out)."""
    return {
        (hour.scope, hour.scope_key, hour.hour_start): (hour.tokens, hour.largest)
        for hour in session.scalars(sa.select(UsageHour).execution_options(populate_existing=True))
        if hour.tokens or hour.largest is not None
    }


def llm(at: datetime, tokens: int, pending: bool = False, **who: Any) -> UsageEvent:
    return UsageEvent(
        kind=UsageKind.LLM, prompt_tokens=tokens, completion_tokens=0, pending=pending,
        created_at=at, **who,
    )  # fmt: skip


def test_every_write_to_the_ledger_keeps_the_hours_exact(engine: sa.Engine) -> None:
    with so.Session(engine) as session:
        user = User(username="olga", password_hash="h")
        session.add(user)
        session.flush()
        guest = {"guest_id": "g-1", "client_ip": "10.0.0.1"}
        rows = [
            llm(T0, 100, **guest),
            llm(T0 + timedelta(minutes=59, seconds=59, microseconds=999_999), 40, **guest),
            llm(T0 + timedelta(hours=1), 7, **guest),  # the next hour, exactly
            llm(T0 + timedelta(minutes=5), 30, guest_id="g-2", client_ip="10.0.0.1"),
            llm(T0 + timedelta(minutes=6), 500, user_id=user.id, client_ip="10.0.0.1"),
            UsageEvent(kind=UsageKind.TTS, speech_characters=80, user_id=user.id, created_at=T0),
        ]
        session.add_all(rows)
        session.commit()
        assert kept(session) == from_ledger(session)
        assert kept(session)[("guest_ip", "10.0.0.1", T0)] == (170, 100)

        reserved = llm(T0 + timedelta(minutes=10), 1000, pending=True, **guest)
        released = llm(T0 + timedelta(minutes=11), 1000, pending=True, **guest)
        session.add_all([reserved, released])
        session.commit()
        assert kept(session)[("guest", "g-1", T0)] == (2140, 100)  # reservations count
        reserved.prompt_tokens, reserved.completion_tokens, reserved.pending = 120, 80, False
        session.delete(released)  # a failed turn gives its reservation back
        session.commit()
        assert kept(session) == from_ledger(session)
        assert kept(session)[("guest", "g-1", T0)] == (340, 200)

        # A guest who signs up takes their ledger rows along (shared/auth/guest_claim.py).
        session.execute(
            sa.update(UsageEvent)
            .where(UsageEvent.guest_id == "g-2")
            .values(guest_id=None, user_id=user.id)
        )
        session.commit()
        assert kept(session)[("user", str(user.id), T0)] == (530, 500)
        # Their guest hour is empty now, so it forgot its largest turn too.
        assert kept(session) == from_ledger(session)
        assert ("guest", "g-2", T0) not in kept(session)
        assert kept(session)[("guest_ip", "10.0.0.1", T0)] == (340, 200)


def spent(session: so.Session, name: BudgetName, key: Any, now: datetime) -> tuple[int, int]:
    """What budget `name` of `key` has spent at `now`, and the reservation it would make."""
    param = {"guest": "b_guest", "guest_ip": "b_ip", "user": "b_user"}[name]
    budget = Budget(name, 1, ((param, key),))
    used, *largest = session.execute(spent_stmt(name), budget.params(now)).one()
    return int(used), max((value for value in largest if value is not None), default=0)


def scanned(session: so.Session, scope: tuple[str, str], now: datetime) -> tuple[int, int]:
    """The same, summed from the ledger rows themselves."""
    rows = [
        row
        for row in session.scalars(sa.select(UsageEvent))
        if scope in scopes(row) and row.created_at > now - WINDOW
    ]
    finished = [row.prompt_tokens + row.completion_tokens for row in rows if not row.pending]
    return sum(row.prompt_tokens + row.completion_tokens for row in rows), max(finished, default=0)


@pytest.mark.parametrize(
    "since",
    [T0, T0 + timedelta(microseconds=1), T0 + timedelta(minutes=30), T0 - timedelta(hours=1)],
    ids=["on-the-hour", "just-after", "mid-hour", "an-hour-earlier"],
)
def test_spent_figures_are_the_ledger_sum_at_the_window_edges(
    engine: sa.Engine, since: datetime
) -> None:
    guest = {"guest_id": "g-1", "client_ip": "10.0.0.1"}
    moments = [
        T0 - timedelta(microseconds=1),
        T0,  # exactly the start of the first window: outside it (created_at > since)
        T0 + timedelta(microseconds=1),
        T0 + timedelta(minutes=30),
        T0 + timedelta(minutes=59, seconds=59, microseconds=999_999),
        T0 + timedelta(hours=1),
        T0 + timedelta(hours=23, minutes=59),
        T0 + timedelta(hours=24, minutes=10),
        T0 + timedelta(hours=26),  # later than `now` (another worker's clock)
    ]
    with so.Session(engine) as session:
        session.add_all(llm(at, 10 + index, **guest) for index, at in enumerate(moments))
        session.add(llm(T0 + timedelta(minutes=40), 999, pending=True, **guest))
        session.commit()
        now = since + WINDOW
        assert spent(session, "guest", "g-1", now) == scanned(session, ("guest", "g-1"), now)
        assert spent(session, "guest_ip", "10.0.0.1", now) == scanned(
            session, ("guest_ip", "10.0.0.1"), now
        )
        assert spent(session, "guest", "someone-else", now) == (0, 0)


def test_purge_drops_the_hours_the_window_left_and_keeps_the_ledger(engine: sa.Engine) -> None:
    now = T0 + 3 * WINDOW
    guest = {"guest_id": "g-1", "client_ip": "10.0.0.1"}
    with so.Session(engine) as session:
        session.add_all(llm(at, 10, **guest) for at in (T0, T0 + WINDOW, now - timedelta(hours=1)))
        session.commit()
        before = spent(session, "guest", "g-1", now)
        assert purge_budget_hours(session, now) == 4  # two hours, each of two scopes
        assert {hour for _, _, hour in kept(session)} == {now - timedelta(hours=1)}
        assert session.scalar(sa.select(sa.func.count(UsageEvent.id))) == 3
        assert spent(session, "guest", "g-1", now) == before == (10, 10)


def test_the_migration_sums_existing_rows_in(scratch_url: str) -> None:
    migrate(scratch_url, "0006_usage")
    engine = sync_engine(scratch_url)
    with engine.begin() as connection:
        for minutes, tokens, pending in ((0, 100, False), (70, 40, False), (75, 900, True)):
            connection.execute(
                sa.insert(UsageEvent.__table__).values(
                    guest_id="g-1", client_ip="10.0.0.1", kind="llm", prompt_tokens=tokens,
                    completion_tokens=1, pending=pending,
                    created_at=T0 + timedelta(minutes=minutes),
                )
            )  # fmt: skip
    migrate(scratch_url, "head")
    with so.Session(engine) as session:
        assert kept(session) == from_ledger(session)
        assert kept(session)[("guest", "g-1", T0 + timedelta(hours=1))] == (942, 41)
    migrate(scratch_url, "0006_usage", down=True)
    assert "usage_hours" not in sa.inspect(engine).get_table_names()
    engine.dispose()
