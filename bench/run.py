"""`make bench`: what the services add on top of the upstream, on SQLite and on PostgreSQL.

Starts the fake OpenAI upstream, then for each database both services (bin/run-local:
gunicorn + hypercorn, rate limits off), runs every scenario and prints one table. Figures are
measured side by side in one run (service vs. a direct SDK call to the same upstream), so a
noisy machine moves both sides alike. `--quick` (or BENCH_QUICK=1) shrinks every size.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import time
from functools import partial
from pathlib import Path

import sqlalchemy as sa

from bench import floor, gateway, voice_floor, voice_stream
from bench.client import Session, big_wav, median, ms, small_webm
from bench.cpu import CpuSplit
from bench.harness import FULL, QUICK, Harness, timed
from bench.offline_turn import offline_turn_table
from bench.services import Stack, database_url, rss_kib
from bench.textturn import cpu_per_turn, loopback_round_trip
from bench.tools import tools_table
from bench.turns import branchy_chat, insert_seeded, reattach
from shared.core.db import sync_url


class Bench(Harness):
    """Every scenario of `make bench`, on one started stack."""

    async def throughput(self, concurrency: int = 32) -> float:
        sessions = [await self.guest() for _ in range(concurrency)]
        return await self.sustained([s.text_turn for s in sessions], "text turn")

    # 3. Voice concurrency -----------------------------------------------------------------
    async def voice_concurrency(self) -> float:
        self.stack.set_upstream(latency=0.2, endpoint_latency={})
        audio = small_webm()
        count = self.sizes.voice_batch
        sessions = [await self.guest() for _ in range(count)]

        async def turn(session: Session) -> None:
            response = await session.voice_turn(audio)
            if response.status_code != 201:
                raise RuntimeError(f"voice turn: {response.status_code} {response.text[:200]}")

        await asyncio.gather(*(turn(s) for s in sessions[:8]))  # warm both workers
        single = median([await timed(lambda: turn(sessions[0])) for _ in range(5)])
        with CpuSplit(self.stack) as cpu:
            batch = await timed(lambda: asyncio.gather(*(turn(s) for s in sessions)))
        self.notes.append(
            f"voice: one turn {ms(single)} (3 upstream calls x 200 ms), {count} at once {ms(batch)}"
        )
        self.notes.append(cpu.summary(f"voice: {count} one-shot turns at once", count))
        return batch / single

    # 4. Streaming ---------------------------------------------------------------------------
    async def direct_first_chunk(self) -> float:
        started = time.perf_counter()
        first = float("nan")
        stream = await self.sdk.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "stream please"}],
            stream=True,
        )
        async with stream:
            async for chunk in stream:
                if chunk.choices and chunk.choices[0].delta.content and first != first:
                    first = time.perf_counter() - started
        return first

    async def streaming(self) -> float:
        self.stack.set_upstream(
            latency=0.05,
            stream_first_chunk_delay=0.05,
            stream_chunk_delay=0.01,
            endpoint_latency={},
        )
        session = await self.guest()
        client: list[float] = []
        upstream: list[float] = []
        await session.stream_turn()
        for _ in range(self.sizes.stream_turns):
            upstream.append(await self.direct_first_chunk())
            result = await session.stream_turn()
            if result.status != 200 or result.final != "done":
                raise RuntimeError(f"stream turn: {result.status} {result.final} {result.payload}")
            client.append(result.first_delta)
        self.stack.set_upstream(stream_first_chunk_delay=0.0, stream_chunk_delay=0.0)
        self.notes.append(
            f"stream: first delta at client p50 {ms(median(client))}, direct SDK first chunk "
            f"p50 {ms(median(upstream))} (upstream 50 ms + 50 ms to first chunk)"
        )
        return median(client) - median(upstream)

    # 5. Chat length -----------------------------------------------------------------------
    def seed(self, chat_id: int, count: int) -> None:
        """`count` prior messages in `chat_id`, inserted in bulk (not through the API)."""
        engine = sa.create_engine(sync_url(self.stack.database_url))
        with engine.begin() as connection:
            insert_seeded(connection, chat_id, count)
        engine.dispose()

    async def chat_length(self) -> tuple[float, float]:
        self.stack.set_upstream(latency=0.0, endpoint_latency={})
        short, long = await self.guest(), await self.guest()
        self.seed(short.chat_id, 10)
        self.seed(long.chat_id, self.sizes.long_chat)
        turns: dict[int, list[float]] = {short.chat_id: [], long.chat_id: []}
        reads: dict[int, list[float]] = {short.chat_id: [], long.chat_id: []}
        for s in (short, long):
            await self.checked_turn(s)
            await s.tail_page()
        for _ in range(self.sizes.length_samples):
            for s in (short, long):  # interleaved, side by side
                turns[s.chat_id].append(await timed(partial(self.checked_turn, s)))
                reads[s.chat_id].append(await timed(s.tail_page))
        turn_ratio = median(turns[long.chat_id]) / median(turns[short.chat_id])
        read_ratio = median(reads[long.chat_id]) / median(reads[short.chat_id])
        self.notes.append(
            f"chat length: turn p50 {ms(median(turns[short.chat_id]))} (10) vs "
            f"{ms(median(turns[long.chat_id]))} ({self.sizes.long_chat}); tail page p50 "
            f"{ms(median(reads[short.chat_id]))} vs {ms(median(reads[long.chat_id]))}"
        )
        return turn_ratio, read_ratio

    # 6. Memory ------------------------------------------------------------------------------
    async def memory(self, concurrency: int = 4) -> float:
        self.stack.set_upstream(latency=0.0, endpoint_latency={})
        audio = big_wav(self.sizes.memory_mb)
        sessions = [await self.guest() for _ in range(concurrency)]
        workers = self.stack.worker_pids("hypercorn")
        before = {pid: rss_kib(pid) for pid in workers}
        per_worker = self.sizes.memory_turns // concurrency
        errors = 0

        async def worker(session: Session) -> None:
            nonlocal errors
            for _ in range(per_worker):
                response = await session.voice_turn(audio, "big.wav")
                errors += response.status_code != 201

        await asyncio.gather(*(worker(s) for s in sessions))
        after = {pid: rss_kib(pid) for pid in workers}
        growth = {pid: (after[pid] - before[pid]) / 1024 for pid in workers}
        self.notes.append(
            f"memory: {per_worker * concurrency} voice turns of {len(audio) / 1e6:.1f} MB, "
            f"{errors} errors; per worker RSS MB before "
            f"{[round(before[p] / 1024) for p in workers]} after "
            f"{[round(after[p] / 1024) for p in workers]}"
        )
        return max(growth.values())

    async def run_all(self, only: set[str] | None) -> dict[str, str]:
        r = self.results

        def want(name: str) -> bool:
            return only is None or name in only

        if want("overhead"):
            for concurrency, key in ((1, "seq"), (8, "c8"), (16, "c16")):
                p50, p99 = await self.text_overhead(concurrency)
                r[f"overhead_{key}_p50"], r[f"overhead_{key}_p99"] = ms(p50), ms(p99)
        if want("cpu"):
            api_cpu, db_cpu = await cpu_per_turn(self, self.sizes.overhead_turns)
            r["cpu_api"] = f"{api_cpu:.2f} ms"
            if self.stack.database_url.startswith("postgresql"):
                r["cpu_db"] = f"{db_cpu:.2f} ms"
        if want("throughput"):
            r["throughput"] = f"{await self.throughput():.0f} turns/s"
        if want("voice"):
            r["voice"] = f"{await self.voice_concurrency():.2f}"
        if want("stream"):
            r["stream"] = ms(await self.streaming())
        if want("length"):
            turn, read = await self.chat_length()
            r["length_turn"], r["length_read"] = f"{turn:.2f}", f"{read:.2f}"
        if want("voicestream"):
            parts_port = self.stack.api_port + 7
            realtime = voice_stream.serve_realtime_voice(self.stack, parts_port)
            try:
                first, many, notes = await voice_stream.measure(
                    self.stack,
                    self.guest,
                    self.sizes.voice_batch,
                    3 if self.sizes == QUICK else 5,
                    f"http://127.0.0.1:{parts_port}",
                )
            finally:
                self.stack.end(realtime)
            r["voicestream_first"], r["voicestream_batch"] = f"{first:.2f}", f"{many:.2f}"
            self.notes += notes
        if want("voicefloor"):
            r.update(await voice_floor.measure(self, self.stack.api_port + 9, self.notes))
        if want("floor"):
            r.update(await floor.measure(self, self.stack.api_port + 3))
        if want("gateway"):
            r.update(await gateway.measure(self, self.stack.api_port + 5, self.notes))
        if want("memory"):
            r["memory"] = f"{await self.memory():.1f} MB"
        if want("reattach"):
            r["reattach"] = ms(await reattach(self))
        if want("branches"):
            r["branches_turn"] = f"{await branchy_chat(self):.2f}"
        await self.http.aclose()
        await self.sdk.close()
        return r


Limit = float | dict[str, float] | None
# Targets that differ per database (the column names of the table).
SEQUENTIAL_OVERHEAD = {"SQLite": 4.0, "PostgreSQL": 6.0}
THROUGHPUT_TARGET = {"SQLite": 250.0, "PostgreSQL": 200.0}
METRICS: list[tuple[str, str, str, Limit]] = [
    ("overhead_seq_p50", "1. text overhead, sequential, p50", "≤ 4 / 6 ms", SEQUENTIAL_OVERHEAD),
    ("overhead_seq_p99", "1. text overhead, sequential, p99", "(report)", None),
    ("overhead_c8_p50", "1. text overhead, concurrency 8, p50", "≤ 10 ms", 10.0),
    ("overhead_c8_p99", "1. text overhead, concurrency 8, p99", "≤ 50 ms", 50.0),
    ("overhead_c16_p50", "1. text overhead, concurrency 16, p50", "(report)", None),
    ("overhead_c16_p99", "1. text overhead, concurrency 16, p99", "(report)", None),
    ("cpu_api", "1. API worker CPU per text turn (c=8)", "≤ 4 ms", 4.0),
    ("cpu_db", "1. PostgreSQL CPU per text turn (c=8)", "(report)", None),
    ("throughput", "2. throughput, concurrency 32, 0 ms upstream", "≥ 250 / 200", None),
    ("floor_seq_p50", "floor: gunicorn + Flask + SDK, sequential overhead p50", "(report)", None),
    ("floor_c8_p50", "floor: concurrency 8, overhead p50", "(report)", None),
    ("floor_c8_p99", "floor: concurrency 8, overhead p99", "(report)", None),
    ("floor_cpu", "floor: worker CPU per reply (c=8)", "(report)", None),
    ("floor_throughput", "floor: throughput, concurrency 32, 0 ms upstream", "(report)", None),
    ("gateway_seq_p50", "gateway (LiteLLM proxy): sequential overhead p50", "(report)", None),
    ("gateway_c8_p50", "gateway: concurrency 8, overhead p50", "(report)", None),
    ("gateway_c8_p99", "gateway: concurrency 8, overhead p99", "(report)", None),
    ("gateway_cpu", "gateway: CPU per request, all its processes (c=8)", "(report)", None),
    ("gateway_throughput", "gateway: throughput, concurrency 32, 0 ms upstream", "(report)", None),
    ("voice", "3. 50 voice turns at once ÷ one turn (200 ms/call)", "≤ 1.3", 1.3),
    ("stream", "4. first delta at client - upstream first chunk, p50", "≤ 20 ms", 20.0),
    ("length_turn", "5. turn latency, 10,000 ÷ 10 prior messages", "≤ 1.3", 1.3),
    ("length_read", "5. tail page read, 10,000 ÷ 10 prior messages", "≤ 1.3", 1.3),
    ("memory", "6. voice worker RSS growth, 200 turns x 5 MB", "≤ 50 MB", 50.0),
    ("voicestream_first", "9. streamed voice: first audio ÷ one-shot turn", "≤ 0.15", 0.15),
    ("voicestream_batch", "9. 50 streamed voice turns at once ÷ one", "≤ 1.3", 1.3),
    ("voice_floor", "floor: Quart + SDK, 50 one-shot voice turns ÷ one", "(report)", None),
    ("voice_floor_stream", "floor: 50 streamed voice turns ÷ one", "(report)", None),
    ("reattach", "7. reattach: first event of a followed reply, p50", "≤ 30 ms", 30.0),
    ("branches_turn", "8. turn latency, 10,000 messages + 100 branches ÷ 10", "≤ 1.3", 1.3),
]


def verdict(value: str, limit: Limit, database: str) -> str:
    if isinstance(limit, dict):
        limit = limit.get(database)
    if limit is None or not value:
        return ""
    return "met" if float(value.split()[0]) <= limit else "MISSED"


def at_least(value: str, minimum: float) -> str:
    return "met" if float(value.split()[0]) >= minimum else "MISSED"


def table(columns: dict[str, dict[str, str]]) -> str:
    names = list(columns)
    lines = [
        "| metric | target | " + " | ".join(names) + " |",
        "|---|---|" + "---|" * len(names),
    ]
    for key, label, target, limit in METRICS:
        if not any(key in c for c in columns.values()):
            continue
        cells = []
        for name in names:
            value = columns[name].get(key, "")
            mark = verdict(value, limit, name)
            if key == "throughput" and value:
                mark = at_least(value, THROUGHPUT_TARGET[name])
            cells.append(f"{value} ({mark})" if mark else value)
        lines.append(f"| {label} | {target} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def machine() -> str:
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    mem_kib = next(int(line.split()[1]) for line in meminfo if line.startswith("MemTotal:"))
    cpu, wall = loopback_round_trip()
    return (
        f"{os.cpu_count()} CPUs (nproc), {mem_kib / 1024 / 1024:.1f} GiB RAM, "
        f"Python {platform.python_version()}, {platform.system()} {platform.machine()}; "
        f"a loopback TCP round trip to another process costs {cpu:.0f} us of CPU, "
        f"{wall:.0f} us of wall time"
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", default=os.environ.get("BENCH_QUICK") == "1"
    )
    parser.add_argument(
        "--latency", type=float, default=0.05, help="upstream latency for metric 1 (s)"
    )
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--only",
        help="comma-separated: overhead,cpu,throughput,voice,stream,length,memory,voicestream,"
        "voicefloor,reattach,branches,floor,gateway (needs BENCH_LITELLM),offline",
    )
    parser.add_argument("--port-base", type=int, default=19000)
    parser.add_argument("--pg-database", default="bench")
    parser.add_argument("--keep", action="store_true", help="leave services up (Ctrl-C to stop)")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    sizes = QUICK if args.quick else FULL
    only = set(args.only.split(",")) if args.only else None
    columns: dict[str, dict[str, str]] = {}
    notes: list[str] = []
    started = time.monotonic()
    # The offline turn and the tool loop need no services: `--only offline,tools` starts none.
    wanted = only is None or bool(only - {"offline", "tools"})
    for index, kind in enumerate(args.databases.split(",") if wanted else []):
        base = args.port_base + 10 * (index + 1)
        import tempfile

        workdir = tempfile.mkdtemp(prefix="bench-")
        url = database_url(kind, workdir, args.pg_database)
        stack = Stack(url, base + 1, base + 2, args.port_base + 1 + 10 * index + 5)
        try:
            print(f"# {kind}: starting services", file=sys.stderr, flush=True)
            stack.start()
            bench = Bench(stack, sizes, args.latency)
            label = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(kind, kind)
            columns[label] = asyncio.run(bench.run_all(only))
            notes += [f"{label}: {note}" for note in bench.notes]
            print(
                f"# {kind}: done at {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True
            )
            if args.keep:
                input("services are up; Enter stops them ")
        finally:
            stack.stop()
    print(f"Machine: {machine()}")
    print(
        f"Command: make bench{'-quick' if args.quick else ''} "
        f"(python -m bench.run{' --quick' if args.quick else ''})"
    )
    print(
        f"Workers: bin/run-local defaults unless API_WORKERS/API_THREADS/VOICE_WORKERS are set; "
        f"wall time {time.monotonic() - started:.0f} s\n"
    )
    if columns:
        print(table(columns))
        print()
    for note in notes:
        print(f"- {note}")
    if only is None or "offline" in only:
        # In-process, no database: the offline engines' own time for one voice turn.
        print(f"\n{offline_turn_table(runs=2 if args.quick else 5)}")
    if only is None or "tools" in only:
        # In-process: the tool loop's own time per round (upstream and tool excluded).
        print(f"\n{tools_table(turns=10 if args.quick else 40)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
