"""Following a reply: the content so far, then the rest live, then how it ended.

From memory when this process writes it, through the relay (Redis) when one is configured,
otherwise by reading the stored content at a short interval.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import orm as so

from shared.core.models import Message, MessageStatus
from shared.turns.failures import stored_failure
from shared.turns.generation import Writer
from shared.turns.live import LiveEvent

# Event names and payloads as the stream sends them: delta {content}, tool_call {id, name,
# arguments}, tool_result {id, status, result}, done, error (envelope).
Event = tuple[str, dict[str, Any]]
POLL_INTERVAL = 0.25


def load(session: so.Session, reply_id: int) -> tuple[Message, Message | None]:
    reply = session.get_one(Message, reply_id, populate_existing=True)
    question = session.get(Message, reply.parent_id) if reply.parent_id else None
    return reply, question


async def follow(writer: Writer, reply_id: int) -> AsyncIterator[Event]:
    """Every event of reply `reply_id` from now on, ending with `done` or `error`."""
    local = writer.hub.follow(reply_id)
    if local is not None:
        text, queue = local
        steps = writer.hub.steps(reply_id)  # read with the text: nothing runs in between
        try:
            for step in steps:
                yield step
            if text:
                yield "delta", {"content": text}
            async for event in live(queue):
                yield event
        finally:
            writer.hub.unfollow(reply_id, queue)
        return
    events = relayed(writer, reply_id) if writer.hub.relay is not None else polled(writer, reply_id)
    async for event in events:
        yield event


async def live(queue: asyncio.Queue[LiveEvent]) -> AsyncIterator[Event]:
    while True:
        name, data = await queue.get()
        if name == "delta":
            yield "delta", {"content": data["content"]}
            continue
        yield data["event"], data["data"]
        if name == "end":
            return


async def polled(writer: Writer, reply_id: int) -> AsyncIterator[Event]:
    """Another process writes the reply and no relay connects us: read what it stores."""
    sent = 0
    while True:
        reply, question = await writer.run(load, reply_id)
        if len(reply.content) > sent:
            yield "delta", {"content": reply.content[sent:]}
            sent = len(reply.content)
        if reply.status is not MessageStatus.PENDING:
            yield ended(writer, reply, question)
            return
        await asyncio.sleep(POLL_INTERVAL)


async def relayed(writer: Writer, reply_id: int) -> AsyncIterator[Event]:
    """Another process writes the reply and publishes it: the text so far, then its deltas."""
    relay = writer.hub.relay
    if relay is None:
        return
    async with relay.subscribe(reply_id) as subscription:
        text = await relay.text(reply_id)
        reply, question = await writer.run(load, reply_id)
        if reply.status is not MessageStatus.PENDING:
            if reply.content:
                yield "delta", {"content": reply.content}
            yield ended(writer, reply, question)
            return
        if text:
            yield "delta", {"content": text}
        finished = False
        async for name, data in subscription.events(len(text), lambda: writer.run(load, reply_id)):
            finished = name not in ("delta", "tool_call", "tool_result")
            yield name, data
    if not finished:  # it ended without a word (its writer vanished): as stored
        reply, question = await writer.run(load, reply_id)
        yield ended(writer, reply, question)


def ended(writer: Writer, reply: Message, question: Message | None) -> Event:
    """How a stored reply ended, as the stream's last event."""
    if reply.status is MessageStatus.FAILED:
        return "error", stored_failure(reply)
    if question is None:
        return "done", {"ai_message": writer.serialize(reply)}
    return "done", writer.done(question, reply)
