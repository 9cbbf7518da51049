"""Where a burst's CPU goes: seconds used by each part of the stack while it runs.

A burst's ratio (50 at once ÷ one) on this 2-core machine is bounded by the CPU all its
processes need, not only the services': the fake upstream, the benchmark's own client and
PostgreSQL share the same cores. `CpuSplit` reads /proc before and after and prints each part's
share, so a missed ratio can be read as "the service needs N ms of CPU a turn" or "the load
generator took the cores", not guessed.
"""

from __future__ import annotations

import os
import time

from bench.services import Stack
from bench.textturn import cpu_seconds, postgres_pids

CORES = os.cpu_count() or 1


class CpuSplit:
    def __init__(self, stack: Stack, voice: list[int] | None = None) -> None:
        """`voice`: the voice workers measured, when not the stack's own (a floor's)."""
        self.parts: dict[str, list[int]] = {
            "voice workers": voice or stack.worker_pids("hypercorn"),
            "API workers": stack.worker_pids("gunicorn"),
            "fake upstream": [stack.upstream_pid],
            "benchmark client": [os.getpid()],
        }
        if stack.database_url.startswith("postgresql"):
            self.parts["PostgreSQL"] = postgres_pids()
        self.voice = self.parts["voice workers"]
        self.before: dict[str, float] = {}
        self.before_each: list[float] = []
        self.started = 0.0

    def __enter__(self) -> CpuSplit:
        self.before = {name: cpu_seconds(pids) for name, pids in self.parts.items()}
        self.before_each = [cpu_seconds([pid]) for pid in self.voice]
        self.started = time.perf_counter()
        return self

    def __exit__(self, *_: object) -> None:
        self.wall = time.perf_counter() - self.started
        self.used = {
            name: cpu_seconds(pids) - self.before[name] for name, pids in self.parts.items()
        }
        self.each = [
            cpu_seconds([pid]) - b for pid, b in zip(self.voice, self.before_each, strict=True)
        ]

    def summary(self, label: str, turns: int) -> str:
        """One line: each part's CPU seconds, the service's per turn, and the cores' budget."""
        total = sum(self.used.values())
        shares = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in self.used.items())
        service = self.used["voice workers"] + self.used["API workers"]
        each = " + ".join(f"{seconds:.2f}" for seconds in self.each)
        return (
            f"{label}: CPU {total:.2f} s of the {self.wall * CORES:.2f} s that "
            f"{CORES} cores give in {self.wall:.2f} s ({shares}; each voice worker "
            f"{each} s); the services {service / turns * 1000:.0f} ms a turn"
        )
