"""What one text turn costs the machine: CPU of the API workers and of PostgreSQL per turn.

CPU time is read from /proc (user + system, all threads) of every gunicorn worker and every
PostgreSQL process before and after a batch of turns at concurrency 8 (below saturation on two
cores), with the upstream at the scenario's latency; divided by the turns completed.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import TYPE_CHECKING

from bench.services import cmdline

if TYPE_CHECKING:
    from bench.run import Bench

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of `pids` so far (a process that is gone counts nothing)."""
    total = 0
    for pid in pids:
        try:
            fields = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def postgres_pids() -> list[int]:
    """Every process of the local PostgreSQL server (its backends serve the services)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and cmdline(int(entry.name)).startswith("postgres"):
            pids.append(int(entry.name))
    return pids


async def cpu_per_turn(bench: Bench, turns: int, concurrency: int = 8) -> tuple[float, float]:
    """Milliseconds of API-worker CPU and of PostgreSQL CPU per text turn."""
    bench.stack.set_upstream(latency=bench.latency, endpoint_latency={})
    sessions = [await bench.guest() for _ in range(concurrency)]
    for session in sessions:
        await bench.checked_turn(session)
    workers, database = bench.stack.worker_pids("gunicorn"), postgres_pids()
    api_before, db_before = cpu_seconds(workers), cpu_seconds(database)
    per_session = max(1, turns // concurrency)

    async def run(session: object) -> None:
        for _ in range(per_session):
            await bench.checked_turn(session)  # type: ignore[arg-type]

    await asyncio.gather(*(run(s) for s in sessions))
    done = per_session * concurrency
    api = (cpu_seconds(workers) - api_before) / done * 1000
    db = (cpu_seconds(database) - db_before) / done * 1000
    bench.notes.append(
        f"CPU per text turn (c={concurrency}, n={done}): API workers {api:.2f} ms, "
        f"PostgreSQL processes {db:.2f} ms (all of the server's processes)"
    )
    return api, db
