"""Turn-engine scenarios for `make bench`: following a reply again (reattach), and the cost of
a turn in a long chat with many branches.

7. **Reattach**: a streamed reply is left after its first delta; `GET .../events` then gives
   the content so far: the time from that request to its first event, p50.
8. **Branchy chat**: p50 text-turn latency in a 10,000-message chat with 100 branches (an
   edited question with its own reply at every 100th message) ÷ in a 10-message chat.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from bench.client import Session, median
from bench.harness import Harness
from shared.core.db import sync_url
from shared.core.models import Chat, Message, MessageBy

BRANCH_EVERY = 100
CHAIN = """
UPDATE messages SET parent_id = (
    SELECT previous.prev_id FROM (
        SELECT id, LAG(id) OVER (ORDER BY created_at, id) AS prev_id
        FROM messages WHERE chat_id = :chat
    ) AS previous
    WHERE previous.id = messages.id
) WHERE chat_id = :chat
"""


def chain(connection: sa.Connection, chat_id: int) -> None:
    """Seeded messages of `chat_id` become one branch, each following the one before."""
    connection.execute(sa.text(CHAIN), {"chat": chat_id})


def add_branches(connection: sa.Connection, chat_id: int, every: int = BRANCH_EVERY) -> int:
    """At every `every`-th message (a question), a second version with its own reply, not shown."""
    step = every // 2  # questions are every other message
    user_id = connection.scalar(sa.select(Chat.user_id).where(Chat.id == chat_id))
    points = connection.execute(
        sa.select(Message.id, Message.parent_id, Message.created_at, Message.depth)
        .where(Message.chat_id == chat_id, Message.message_by == MessageBy.USER)
        .order_by(Message.created_at, Message.id)
    ).all()[step - 1 :: step]
    for point in points:
        at = point.created_at + timedelta(milliseconds=1)
        common = {"chat_id": chat_id, "user_id": user_id, "selected": False, "created_at": at}
        question = connection.execute(
            sa.insert(Message).returning(Message.id),
            {
                **common,
                "message_by": MessageBy.USER,
                "content": "an edited question",
                "parent_id": point.parent_id,
                "depth": point.depth,
                "version": 2,
                "version_count": 2,
            },
        ).scalar_one()
        connection.execute(
            sa.insert(Message),
            {
                **common,
                "message_by": MessageBy.AI,
                "content": "its own reply",
                "parent_id": question,
                "depth": point.depth + 1,
            },
        )
        connection.execute(sa.update(Message).where(Message.id == point.id).values(version_count=2))
    return len(points)


def insert_seeded(connection: sa.Connection, chat_id: int, count: int) -> None:
    """`count` prior messages in `chat_id`, inserted in bulk and chained into one branch."""
    start = datetime.now(UTC) - timedelta(days=30)
    user_id = connection.scalar(sa.select(Chat.user_id).where(Chat.id == chat_id))
    rows = [
        {
            "chat_id": chat_id,
            "user_id": user_id,
            "message_by": MessageBy.USER if i % 2 == 0 else MessageBy.AI,
            "content": f"seeded message {i} " + "lorem ipsum " * 8,
            "created_at": start + timedelta(seconds=i),
            "depth": i + 1,
        }
        for i in range(count)
    ]
    for i in range(0, count, 2000):
        connection.execute(sa.insert(Message), rows[i : i + 2000])
    chain(connection, chat_id)  # one branch, as the turn engine keeps a chat


def seed_branchy(database_url: str, chat_id: int, count: int) -> int:
    engine = sa.create_engine(sync_url(database_url))
    with engine.begin() as connection:
        insert_seeded(connection, chat_id, count)
        branches = add_branches(connection, chat_id)
    engine.dispose()
    return branches


async def branchy_chat(bench: Harness) -> float:
    bench.stack.set_upstream(latency=0.0, endpoint_latency={})
    short, long = await bench.guest(), await bench.guest()
    seed_branchy(bench.stack.database_url, short.chat_id, 10)
    branches = seed_branchy(bench.stack.database_url, long.chat_id, bench.sizes.long_chat)
    turns: dict[int, list[float]] = {short.chat_id: [], long.chat_id: []}
    for s in (short, long):
        await bench.checked_turn(s)
    for _ in range(bench.sizes.length_samples):
        for s in (short, long):
            started = time.perf_counter()
            await bench.checked_turn(s)
            turns[s.chat_id].append(time.perf_counter() - started)
    bench.notes.append(
        f"branchy chat: turn p50 {median(turns[short.chat_id]) * 1000:.1f} ms (10) vs "
        f"{median(turns[long.chat_id]) * 1000:.1f} ms ({bench.sizes.long_chat} messages, "
        f"{branches} branches)"
    )
    return median(turns[long.chat_id]) / median(turns[short.chat_id])


async def leave_after_first_delta(session: Session, content: str) -> int:
    """Start a streamed reply, read its first delta and go away; the reply's id."""
    async with session.http.stream(
        "POST",
        f"{session.voice}/voice/chats/{session.chat_id}/messages/stream",
        json={"content": content},
        headers=session.auth,
    ) as response:
        reply_id = int(response.headers["X-AI-Message-Id"])
        async for line in response.aiter_lines():
            if line.startswith("event: delta"):
                break
    return reply_id


async def reattach_first_event(session: Session, reply_id: int) -> float:
    """Follow the reply again: seconds to the first event; then read it to the end."""
    url = f"{session.voice}/voice/chats/{session.chat_id}/messages/{reply_id}/events"
    started = time.perf_counter()
    first = float("nan")
    async with session.http.stream("GET", url, headers=session.auth) as response:
        async for line in response.aiter_lines():
            if line.startswith("event: ") and first != first:
                first = time.perf_counter() - started
    return first


async def reattach(bench: Harness) -> float:
    bench.stack.set_upstream(latency=0.0, stream_chunk_delay=0.02, endpoint_latency={})
    session = await bench.guest()
    content = " ".join(["more"] * 20)
    samples = []
    for _ in range(bench.sizes.stream_turns):
        reply_id = await leave_after_first_delta(session, content)
        samples.append(await reattach_first_event(session, reply_id))
    bench.stack.set_upstream(stream_chunk_delay=0.0)
    bench.notes.append(
        f"reattach: first event of GET .../events p50 {median(samples) * 1000:.1f} ms "
        f"(n={len(samples)}, a reply left after its first delta; without Redis a follower on "
        "another voice worker reads the stored text)"
    )
    return median(samples)
