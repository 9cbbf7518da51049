"""Live replies across processes and replicas through Redis (set REDIS_URL).

The writer appends each delta to a text key and publishes it, in one transaction; a follower
subscribes first and reads the text key second, so it misses nothing and skips what it has.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import redis.asyncio as redis

from shared.core.models import MessageStatus
from shared.turns.live import Reload

PREFIX = "chatbot:reply:"
TEXT_TTL = 3600  # seconds a reply's live text outlives a writer that vanished
# How often a follower that hears nothing checks whether the reply ended without it.
QUIET_CHECK = 1.0


class RedisRelay:
    def __init__(self, url: str) -> None:
        self.client = redis.from_url(url)

    async def delta(self, reply_id: int, offset: int, piece: str) -> None:
        event = json.dumps({"name": "delta", "offset": offset, "content": piece})
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.append(PREFIX + f"{reply_id}:text", piece)
            pipe.expire(PREFIX + f"{reply_id}:text", TEXT_TTL)
            pipe.publish(PREFIX + str(reply_id), event)
            await pipe.execute()

    async def end(self, reply_id: int, event: dict[str, Any]) -> None:
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.publish(PREFIX + str(reply_id), json.dumps({"name": "end", **event}))
            pipe.delete(PREFIX + f"{reply_id}:text")
            await pipe.execute()

    async def step(self, reply_id: int, event: dict[str, Any]) -> None:
        await self.client.publish(PREFIX + str(reply_id), json.dumps({"name": "step", **event}))

    async def text(self, reply_id: int) -> str:
        raw = await self.client.get(PREFIX + f"{reply_id}:text")
        return raw.decode() if raw else ""

    @asynccontextmanager
    async def subscribe(self, reply_id: int) -> AsyncIterator[Subscription]:
        pubsub = self.client.pubsub()
        await pubsub.subscribe(PREFIX + str(reply_id))
        try:
            yield Subscription(pubsub)
        finally:
            await pubsub.aclose()

    async def aclose(self) -> None:
        await self.client.aclose()


class Subscription:
    def __init__(self, pubsub: Any) -> None:
        self.pubsub = pubsub

    async def events(self, have: int, reload: Reload) -> AsyncIterator[tuple[str, dict[str, Any]]]:
        """Deltas past the `have` characters already sent, then the end. When nothing is
        heard for a while, `reload` tells whether the reply ended without a word."""
        while True:
            message = await self.pubsub.get_message(
                ignore_subscribe_messages=True, timeout=QUIET_CHECK
            )
            if message is None:
                reply, _question = await reload()
                if reply.status is not MessageStatus.PENDING:
                    return
                await asyncio.sleep(0)
                continue
            event = json.loads(message["data"])
            if event["name"] in ("end", "step"):
                yield event["event"], event["data"]
                if event["name"] == "end":
                    return
                continue
            piece = event["content"][max(0, have - event["offset"]) :]
            if piece:
                have += len(piece)
                yield "delta", {"content": piece}
