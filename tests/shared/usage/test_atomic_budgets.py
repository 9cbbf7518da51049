"""The budget check and a turn's reservation are one atomic step across processes: turns that
start at the same instant in separate transactions (as separate workers or replicas would,
without the per-worker lock) overshoot a budget by at most one turn's reservation."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import orm as so

from api import create_app
from api.extensions import db
from shared.auth.access import Caller
from shared.chats.conversation import HistoryBudget
from shared.core.config import Config
from shared.core.models import Chat, UsageEvent
from shared.turns import charges, store
from shared.usage.atomic import check_threads
from shared.usage.budgets import DEFAULT_TURN_ESTIMATE, QuotaExceeded
from shared.usage.reservations import Reserving, check

LIMIT = DEFAULT_TURN_ESTIMATE + DEFAULT_TURN_ESTIMATE // 2  # one turn passes, then a second
TURNS = 8


def callers_chat(app: Flask, chat_id: int) -> Caller:
    with app.app_context():
        chat = db.session.get(Chat, chat_id)
        assert chat is not None
        return Caller(user_id=chat.user_id, guest_id=chat.guest_id)


def start_turns_at_once(app: Flask, config: Config, caller: Caller, chat_id: int) -> list[str]:
    """TURNS turns of one chat started by TURNS threads, each in its own transaction and
    without the worker's lock (as TURNS processes would), released together."""
    with app.app_context():
        engine = db.engine
    gate = threading.Barrier(TURNS)
    budget = HistoryBudget.of(config)

    def turn(_: int) -> str:
        reserving = Reserving.of(config, caller, "203.0.113.9")
        with so.Session(engine) as session:
            gate.wait()
            try:
                charges.begun(session, reserving, store.begin_ask, caller, chat_id, "hi", budget)
            except QuotaExceeded:
                return "refused"
        return "started"

    with ThreadPoolExecutor(TURNS) as pool:
        return list(pool.map(turn, range(TURNS)))


def reserved_total(app: Flask) -> int:
    with app.app_context():
        total = db.session.scalar(sa.select(sa.func.sum(UsageEvent.prompt_tokens)))
        return int(total or 0)


def test_parallel_turns_overshoot_a_budget_by_at_most_one_reservation(
    config: Config, guest: Callable[[], dict[str, Any]], client: FlaskClient
) -> None:
    limited = config.replace(quota_guest_tokens_per_day=LIMIT, quota_guest_ip_tokens_per_day=0)
    app = create_app(limited)
    http = app.test_client()
    headers = guest()["headers"]
    agent = http.get("/api/agents", headers=headers).json[0]["id"]
    chat = http.post(f"/api/agents/{agent}/chats", json={}, headers=headers).json
    caller = callers_chat(app, chat["id"])
    outcomes = start_turns_at_once(app, limited, caller, chat["id"])
    # The first turn sees 0 spent, the second 1,000 (< 1,500), every later one 2,000.
    assert outcomes.count("started") == 2, outcomes
    assert reserved_total(app) == 2 * DEFAULT_TURN_ESTIMATE
    assert reserved_total(app) <= LIMIT + DEFAULT_TURN_ESTIMATE


def test_parallel_turns_of_guests_behind_one_ip_share_its_budget_atomically(
    config: Config, guest: Callable[[], dict[str, Any]]
) -> None:
    limited = config.replace(quota_guest_tokens_per_day=0, quota_guest_ip_tokens_per_day=LIMIT)
    app = create_app(limited)
    http = app.test_client()
    chats = []
    for _ in range(TURNS):
        headers = guest()["headers"]
        agent = http.get("/api/agents", headers=headers).json[0]["id"]
        chats.append(http.post(f"/api/agents/{agent}/chats", json={}, headers=headers).json["id"])
    callers = [callers_chat(app, chat_id) for chat_id in chats]
    with app.app_context():
        engine = db.engine
    gate = threading.Barrier(TURNS)
    budget = HistoryBudget.of(limited)

    def turn(index: int) -> str:
        caller, chat_id = callers[index], chats[index]
        reserving = Reserving.of(limited, caller, "203.0.113.9")
        with so.Session(engine) as session:
            gate.wait()
            try:
                charges.begun(session, reserving, store.begin_ask, caller, chat_id, "hi", budget)
            except QuotaExceeded:
                return "refused"
        return "started"

    with ThreadPoolExecutor(TURNS) as pool:
        outcomes = list(pool.map(turn, range(TURNS)))
    assert outcomes.count("started") == 2, outcomes
    assert reserved_total(app) == 2 * DEFAULT_TURN_ESTIMATE


def test_parallel_voice_reservations_in_separate_event_loops_are_atomic(
    config: Config, guest: Callable[[], dict[str, Any]]
) -> None:
    # Each thread runs its own event loop, engine and per-loop lock: a worker process each.
    limited = config.replace(quota_guest_tokens_per_day=LIMIT, quota_guest_ip_tokens_per_day=0)
    app = create_app(limited)
    headers = guest()["headers"]
    http = app.test_client()
    agent = http.get("/api/agents", headers=headers).json[0]["id"]
    chat = http.post(f"/api/agents/{agent}/chats", json={}, headers=headers).json
    caller = callers_chat(app, chat["id"])
    gate = threading.Barrier(TURNS)

    async def reserve() -> str:
        checks = check_threads(limited.database_url)  # a worker process's own
        try:
            await asyncio.to_thread(gate.wait)
            await checks.run(check, limited, caller, "203.0.113.9", None)
            return "started"
        except QuotaExceeded:
            return "refused"
        finally:
            checks.close()

    with ThreadPoolExecutor(TURNS) as pool:
        outcomes = list(pool.map(lambda _: asyncio.run(reserve()), range(TURNS)))
    assert outcomes.count("started") == 2, outcomes
    assert reserved_total(app) == 2 * DEFAULT_TURN_ESTIMATE
