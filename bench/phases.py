"""Where a text turn's CPU goes, phase by phase (`python -m bench.phases [sqlite|postgresql]`).

Runs the API in this process (Flask's test client, no server) against the fake upstream in a
subprocess, sends `--turns` text turns as one guest in one chat and reports this thread's CPU
time (`time.thread_time`: waiting for the upstream or the database counts nothing) per turn
for the whole request and for each phase of the turn engine (phases nest: the reply
includes its finish and the second commit). The ledger grows by one row per
turn, so a budget read that scans the window shows as a phase that grows with `--turns`. On
PostgreSQL the server's own CPU per turn is reported too (all of its processes).

`--latency` makes the upstream wait before it answers, as in `make bench` (50 ms): the same
code then costs more CPU per turn, because the process sleeps in every turn and resumes on
cold caches (on this machine about twice as much; see bench/RESULTS.md).
"""

from __future__ import annotations

import argparse
import collections
import functools
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

from bench.services import database_url, wait_port
from bench.textturn import cpu_seconds, postgres_pids

Spent = collections.defaultdict[str, float]


def timed(owner: Any, name: str, label: str, spent: Spent) -> None:
    """Replace `owner.name` by a wrapper adding its thread CPU time to `spent[label]`."""
    original: Callable[..., Any] = getattr(owner, name)

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.thread_time()
        try:
            return original(*args, **kwargs)
        finally:
            spent[label] += time.thread_time() - started

    setattr(owner, name, wrapper)


def instrument(spent: Spent) -> None:
    from sqlalchemy import orm as so

    from api import turns
    from shared.core import metrics
    from shared.turns import charges, store, tree
    from shared.web import requestlog

    timed(store, "lock_chat", "lock (UPDATE chats ... RETURNING)", spent)
    timed(tree, "branch_end", "branch end (SELECT)", spent)
    timed(store, "add_turn", "question, reply, reservation (INSERT)", spent)
    timed(so.Session, "commit", "commits (2)", spent)
    timed(turns, "write_reply", "reply: upstream call, finish, commit", spent)
    timed(charges, "finish", "finish and charge (UPDATE)", spent)
    timed(requestlog, "log_request", "request log line", spent)
    timed(metrics, "observe_request", "request metrics", spent)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("database", nargs="?", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument("--turns", type=int, default=300)
    parser.add_argument(
        "--latency",
        type=float,
        default=0.0,
        help="the upstream's latency (s): the process idles this long in every turn",
    )
    parser.add_argument("--port", type=int, default=19931)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="bench-phases-")
    url = database_url(args.database, workdir, "bench_phases")
    upstream = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.fake_openai",
            "--port",
            str(args.port),
            "--no-record",
            "--latency",
            str(args.latency),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_port(args.port, timeout=15)
        os.environ.update(
            DATABASE_URL=url,
            OPENAI_API_KEY="sk-bench-not-a-secret",
            OPENAI_BASE_URL=f"http://127.0.0.1:{args.port}/v1",
            RATE_LIMIT_ENABLED="false",
            APP_ENV="development",
            QUOTA_GUEST_TOKENS_PER_DAY="1000000000",
            QUOTA_GUEST_IP_TOKENS_PER_DAY="1000000000",
        )
        report = measure(url, args.turns)
    finally:
        upstream.terminate()
        upstream.wait()
    print(f"{args.database}, upstream latency {args.latency * 1000:.0f} ms: {report}")
    return 0


def measure(url: str, turns: int) -> str:
    from flask_migrate import upgrade

    from api import create_app

    app = create_app()
    with app.app_context():
        upgrade()
    client = app.test_client()
    token = client.post("/api/auth/guest").get_json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    agents = client.get("/api/agents", headers=auth).get_json()
    agent = next(a["id"] for a in agents if a["is_public"])
    chat = client.post(f"/api/agents/{agent}/chats", json={}, headers=auth).get_json()["id"]

    def turn() -> None:
        response = client.post(
            f"/api/chats/{chat}/messages", json={"content": "hello there"}, headers=auth
        )
        if response.status_code != 201:
            raise RuntimeError(f"text turn: {response.status_code} {response.data[:200]!r}")

    for _ in range(20):  # warm: statements compiled, connections open
        turn()
    spent: Spent = collections.defaultdict(float)
    instrument(spent)
    database = postgres_pids() if url.startswith("postgresql") else []
    started, server = time.thread_time(), cpu_seconds(database)
    for _ in range(turns):
        turn()
    total = time.thread_time() - started
    lines = [f"{turns} turns, {total / turns * 1000:.2f} ms of CPU per request in all"]
    if database:
        server = (cpu_seconds(database) - server) / turns * 1000
        lines.append(f"  PostgreSQL's processes: {server:.3f} ms of CPU per turn")
    for label, seconds in sorted(spent.items(), key=lambda item: -item[1]):
        lines.append(f"  {seconds / turns * 1000:6.3f} ms  {label}")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
