"""`make load`: mixed traffic at fixed concurrency, then a check of what the database holds.

Guests and registered users take text, streamed and voice turns against gunicorn + hypercorn on
PostgreSQL with the fake upstream (50 ms per call). Rate limits stay ON with limits far above
what the run sends, so the limiter's code path is exercised without refusing anything. At the
end every acknowledged turn (2xx with message ids, or SSE `done`) must be stored exactly once,
with the right content, author and chat, and no response may be a 5xx; exit status 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import random
import sys
import time
import uuid
from dataclasses import dataclass, field

import httpx
import sqlalchemy as sa

from bench.client import Session, http_client, percentile, small_webm
from bench.services import Stack, fresh_pg_database
from shared.core.db import sync_url
from shared.core.models import Message, MessageBy

KINDS = ("text", "stream", "voice")
GENEROUS_LIMITS = {
    "RATE_LIMIT_ENABLED": "true",
    "RATE_LIMIT_REPLIES": "1000000/minute",
    "RATE_LIMIT_REPLIES_PER_IP": "1000000/minute",
    "RATE_LIMIT_GUEST_TOKENS": "1000000/hour",
    "RATE_LIMIT_REGISTER": "1000000/hour",
    "RATE_LIMIT_LOGIN_PER_IP": "1000000/minute",
    "RATE_LIMIT_LOGIN_PER_USER": "1000000/minute",
    "QUOTA_GUEST_TOKENS_PER_DAY": "1000000000",
    "QUOTA_GUEST_IP_TOKENS_PER_DAY": "1000000000",
}


@dataclass(frozen=True)
class Ack:
    """A turn the service said it stored."""

    chat_id: int
    user_id: int
    user_content: str
    ai_id: int
    ai_content: str


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: collections.defaultdict(list))
    statuses: collections.Counter[str] = field(default_factory=collections.Counter)
    acks: list[Ack] = field(default_factory=list)
    attempts: collections.Counter[int] = field(default_factory=collections.Counter)
    text_contents: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)


def ack_from(chat_id: int, body: dict) -> Ack:  # type: ignore[type-arg]
    user, ai = body["user_message"], body["ai_message"]
    return Ack(chat_id, user["id"], user["content"], ai["id"], ai["content"])


async def one_turn(session: Session, who: str, kind: str, audio: bytes, tally: Tally) -> None:
    content = f"load {kind} {uuid.uuid4().hex}"
    tally.attempts[session.chat_id] += 1
    started = time.perf_counter()
    status: int
    ack: Ack | None = None
    try:
        if kind == "text":
            tally.text_contents.add(content)
            response = await session.text_turn(content)
            status = response.status_code
            if status == 201:
                ack = ack_from(session.chat_id, response.json())
        elif kind == "stream":
            tally.text_contents.add(content)
            result = await session.stream_turn(content)
            status = result.status
            if result.final == "done" and result.payload:
                ack = ack_from(session.chat_id, result.payload)
            elif result.final == "error" and result.payload:
                status = int(result.payload.get("code", 599))
        else:
            response = await session.voice_turn(audio)
            status = response.status_code
            if status == 201:
                ack = ack_from(session.chat_id, response.json())
    except httpx.HTTPError as exc:
        tally.statuses[f"{kind}: {type(exc).__name__}"] += 1
        tally.errors.append(f"{kind}: transport error {exc!r}")
        return
    tally.latencies[f"{who} {kind}"].append(time.perf_counter() - started)
    tally.statuses[f"{kind} {status}"] += 1
    if status >= 500:
        tally.errors.append(f"{kind}: HTTP {status}")
    if ack is not None:
        tally.acks.append(ack)


async def client(
    stack: Stack, http: httpx.AsyncClient, index: int, deadline: float, audio: bytes, tally: Tally
) -> None:
    rng = random.Random(index)
    registered = index % 2 == 1
    who = "user" if registered else "guest"
    if registered:
        name = f"load{index}x{uuid.uuid4().hex[:8]}"
        session = await Session.user(http, stack.api, stack.voice, name)
    else:
        session = await Session.guest(http, stack.api, stack.voice)
    turns = 0
    while time.perf_counter() < deadline:
        kind = rng.choices(KINDS, weights=(5, 3, 2))[0]
        await one_turn(session, who, kind, audio, tally)
        turns += 1
        if turns % 20 == 0:  # chats of varied length, as real users have
            await session.new_chat()


def verify(database_url: str, tally: Tally) -> list[str]:
    """Violations: acknowledged turns missing, wrong, or stored more than once."""
    problems: list[str] = []
    engine = sa.create_engine(sync_url(database_url))
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(Message.id, Message.chat_id, Message.message_by, Message.content)
        ).all()
    engine.dispose()
    by_id = {row.id: row for row in rows}
    for ack in tally.acks:
        for message_id, by, content in (
            (ack.user_id, MessageBy.USER, ack.user_content),
            (ack.ai_id, MessageBy.AI, ack.ai_content),
        ):
            row = by_id.get(message_id)
            if row is None:
                problems.append(f"acknowledged message {message_id} is not stored")
            elif (row.chat_id, row.message_by, row.content) != (ack.chat_id, by, content):
                problems.append(f"message {message_id} stored as {tuple(row[1:])!r}")
    ids = [i for ack in tally.acks for i in (ack.user_id, ack.ai_id)]
    if len(ids) != len(set(ids)):
        problems.append("the same message id was acknowledged for two turns")
    contents = collections.Counter(row.content for row in rows if row.message_by is MessageBy.USER)
    duplicated = [c for c in tally.text_contents if contents[c] > 1]
    if duplicated:
        problems.append(f"{len(duplicated)} text turns stored more than once")
    per_chat = collections.Counter(row.chat_id for row in rows if row.message_by is MessageBy.USER)
    for chat_id, attempts in tally.attempts.items():
        if per_chat[chat_id] > attempts:
            problems.append(f"chat {chat_id}: {per_chat[chat_id]} user messages > {attempts} turns")
    return problems


def report(tally: Tally, elapsed: float, problems: list[str], args: argparse.Namespace) -> str:
    total = sum(tally.statuses.values())
    lines = [
        f"load: {args.concurrency} clients (half guests, half registered users), "
        f"{elapsed:.0f} s, upstream {args.latency * 1000:.0f} ms per call, PostgreSQL; "
        "rate limits ON at 1,000,000 per window (never reached)",
        f"requests: {total} turns ({total / elapsed:.1f}/s), acknowledged {len(tally.acks)}",
        "",
        "| kind | n | p50 | p99 |",
        "|---|---|---|---|",
    ]
    for kind in sorted(tally.latencies):
        values = tally.latencies[kind]
        lines.append(
            f"| {kind} | {len(values)} | {percentile(values, 50) * 1000:.0f} ms "
            f"| {percentile(values, 99) * 1000:.0f} ms |"
        )
    lines += ["", "statuses: " + ", ".join(f"{k}: {v}" for k, v in sorted(tally.statuses.items()))]
    five_xx = [e for e in tally.errors]
    lines.append(f"5xx / transport errors: {len(five_xx)}")
    lines += [f"  {e}" for e in five_xx[:10]]
    lines.append(f"database check: {'OK' if not problems else f'{len(problems)} VIOLATIONS'}")
    lines += [f"  {p}" for p in problems[:20]]
    return "\n".join(lines)


async def drive(stack: Stack, args: argparse.Namespace, tally: Tally) -> float:
    http = http_client()
    audio = small_webm()
    started = time.perf_counter()
    deadline = started + args.seconds
    await asyncio.gather(
        *(client(stack, http, i, deadline, audio, tally) for i in range(args.concurrency))
    )
    await http.aclose()
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    quick = os.environ.get("BENCH_QUICK") == "1"
    parser.add_argument("--quick", action="store_true", default=quick)
    parser.add_argument("--seconds", type=float)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--port-base", type=int, default=19200)
    parser.add_argument("--pg-database", default="bench_load")
    args = parser.parse_args()
    args.seconds = args.seconds or (30.0 if args.quick else 180.0)
    url = fresh_pg_database(args.pg_database)
    stack = Stack(url, args.port_base + 1, args.port_base + 2, args.port_base + 3, GENEROUS_LIMITS)
    tally = Tally()
    try:
        stack.start()
        stack.set_upstream(latency=args.latency, stream_chunk_delay=0.005)
        elapsed = asyncio.run(drive(stack, args, tally))
    finally:
        stack.stop()
    problems = verify(url, tally)
    print(report(tally, elapsed, problems, args))
    return 1 if problems or tally.errors else 0


if __name__ == "__main__":
    sys.exit(main())
