"""What every benchmark scenario shares: the sizes of a run, and a harness holding the started
stack, an HTTP client, a direct SDK client (the baseline) and the paired measurements.

The scenario modules (textturn, turns, floor, gateway) take a `Harness`; `bench/run.py` adds
the scenarios and prints the table, so nothing imports back into run.py.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import partial

import httpx
import openai

from bench.client import Session, http_client, ms, percentile
from bench.services import Stack


@dataclass(frozen=True)
class Sizes:
    overhead_turns: int
    throughput_seconds: float
    voice_batch: int
    stream_turns: int
    long_chat: int
    length_samples: int
    memory_turns: int
    memory_mb: float


FULL = Sizes(200, 15.0, 50, 60, 10_000, 60, 200, 5.0)
QUICK = Sizes(30, 4.0, 50, 15, 10_000, 15, 30, 5.0)

Row = dict[str, str]


async def timed(call: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    await call()
    return time.perf_counter() - started


class Harness:
    def __init__(self, stack: Stack, sizes: Sizes, latency: float) -> None:
        self.stack = stack
        self.sizes = sizes
        self.latency = latency
        self.http = http_client()
        self.sdk = openai.AsyncOpenAI(
            base_url=stack.upstream, api_key="sk-bench-not-a-secret", max_retries=0
        )
        self.results: dict[str, str] = {}
        self.notes: list[str] = []

    async def guest(self) -> Session:
        return await Session.guest(self.http, self.stack.api, self.stack.voice)

    async def direct_reply(self) -> None:
        await self.sdk.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "hello there"}]
        )

    async def checked_turn(self, session: Session) -> None:
        response = await session.text_turn()
        if response.status_code != 201:
            raise RuntimeError(f"text turn: {response.status_code} {response.text[:200]}")

    # 1. Text turn overhead ---------------------------------------------------------------
    async def paired_overhead(
        self, calls: Sequence[Callable[[], Awaitable[None]]], label: str
    ) -> tuple[float, float]:
        """p50 and p99 of `calls` (one caller each, all at once) minus a direct SDK call's,
        alternating the two so both see the same machine."""
        concurrency = len(calls)
        for call in calls:  # warm connections and pools
            await call()
            await self.direct_reply()
        per_worker = (
            max(1, self.sizes.overhead_turns // concurrency)
            if concurrency > 1
            else self.sizes.overhead_turns
        )
        api: list[float] = []
        direct: list[float] = []

        async def worker(call: Callable[[], Awaitable[None]]) -> None:
            for _ in range(per_worker):
                direct.append(await timed(self.direct_reply))
                api.append(await timed(call))

        await asyncio.gather(*(worker(c) for c in calls))
        p50 = percentile(api, 50) - percentile(direct, 50)
        p99 = percentile(api, 99) - percentile(direct, 99)
        self.notes.append(
            f"{label} c={concurrency}: p50 {ms(percentile(api, 50))} "
            f"p99 {ms(percentile(api, 99))}; "
            f"direct SDK p50 {ms(percentile(direct, 50))} p99 {ms(percentile(direct, 99))} "
            f"(n={len(api)}, upstream {self.latency * 1000:.0f} ms)"
        )
        return p50, p99

    async def text_overhead(self, concurrency: int) -> tuple[float, float]:
        self.stack.set_upstream(latency=self.latency, endpoint_latency={})
        sessions = [await self.guest() for _ in range(concurrency)]
        return await self.paired_overhead(
            [partial(self.checked_turn, s) for s in sessions], "text turn"
        )

    # 2. Throughput -------------------------------------------------------------------------
    async def sustained(
        self, calls: Sequence[Callable[[], Awaitable[httpx.Response]]], label: str, ok: int = 201
    ) -> float:
        """Requests per second that `calls` (one caller each, back to back) complete with `ok`
        in the scenario's time; the upstream answers at once."""
        self.stack.set_upstream(latency=0.0, endpoint_latency={})
        done = 0
        errors = 0
        deadline = time.perf_counter() + self.sizes.throughput_seconds

        async def worker(call: Callable[[], Awaitable[httpx.Response]]) -> None:
            nonlocal done, errors
            while time.perf_counter() < deadline:
                try:
                    response = await call()
                except httpx.TransportError:  # e.g. a keep-alive connection closed under us
                    errors += 1
                    continue
                if response.status_code == ok:
                    done += 1
                else:
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker(c) for c in calls))
        elapsed = time.perf_counter() - started
        self.notes.append(
            f"{label} throughput c={len(calls)}: {done} in {elapsed:.1f} s, {errors} errors"
        )
        return done / elapsed
