"""What one text turn costs the machine: CPU of the API workers and of PostgreSQL per turn.

CPU time is read from /proc (user + system, all threads) of every gunicorn worker and every
PostgreSQL process before and after a batch of turns at concurrency 8 (below saturation on two
cores), with the upstream at the scenario's latency; divided by the turns completed.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from pathlib import Path

from bench.harness import Harness
from bench.services import cmdline

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


async def cpu_per_call(
    calls: Sequence[Callable[[], Awaitable[object]]], total: int, *pid_sets: list[int]
) -> list[float]:
    """Milliseconds of CPU per call used by each of `pid_sets` while `calls` (one caller each,
    all at once, after one warm-up call each) complete about `total` calls."""
    await asyncio.gather(*(call() for call in calls))
    before = [cpu_seconds(pids) for pids in pid_sets]
    per_caller = max(1, total // len(calls))

    async def run(call: Callable[[], Awaitable[object]]) -> None:
        for _ in range(per_caller):
            await call()

    await asyncio.gather(*(run(call) for call in calls))
    done = per_caller * len(calls)
    return [
        (cpu_seconds(pids) - was) / done * 1000 for pids, was in zip(pid_sets, before, strict=True)
    ]


async def cpu_per_turn(bench: Harness, turns: int, concurrency: int = 8) -> tuple[float, float]:
    """Milliseconds of API-worker CPU and of PostgreSQL CPU per text turn."""
    bench.stack.set_upstream(latency=bench.latency, endpoint_latency={})
    sessions = [await bench.guest() for _ in range(concurrency)]
    calls = [partial(bench.checked_turn, session) for session in sessions]
    workers, database = bench.stack.worker_pids("gunicorn"), postgres_pids()
    api, db = await cpu_per_call(calls, turns, workers, database)
    bench.notes.append(
        f"CPU per text turn (c={concurrency}, n~{turns}): API workers {api:.2f} ms, "
        f"PostgreSQL processes {db:.2f} ms (all of the server's processes)"
    )
    return api, db


def loopback_round_trip(trips: int = 5000) -> tuple[float, float]:
    """Microseconds of CPU (the asking side's) and of wall time per TCP round trip on loopback
    to another process: a turn pays several (client, upstream, database), and machines differ
    most here (a virtual machine's cross-CPU wake-ups can cost more than the Python around
    them), so the figures say how to compare runs of different machines."""
    listener = socket.create_server(("127.0.0.1", 0))
    asking = socket.create_connection(listener.getsockname())
    answering, _ = listener.accept()
    listener.close()
    for end in (asking, answering):
        end.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    child = os.fork()
    if child == 0:  # the echo: answers every byte it is sent, then leaves
        asking.close()
        for _ in range(trips):
            answering.sendall(answering.recv(1))
        os._exit(0)
    answering.close()
    cpu, wall = time.thread_time(), time.perf_counter()
    for _ in range(trips):
        asking.sendall(b"?")
        asking.recv(1)
    cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
    asking.close()
    os.waitpid(child, 0)
    return cpu / trips * 1e6, wall / trips * 1e6
