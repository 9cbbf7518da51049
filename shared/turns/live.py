"""Replies being written in this process, fanned out to whoever follows them.

Followers in this process read from memory; with a relay (Redis, see `relay.py`) every delta
and the end are also published, so followers in other processes and replicas get them too.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from shared.core.models import Message

# What a follower receives: ("delta", {"content", "offset"}), ("step", {"event", "data"}) or
# ("end", {"event", "data"}).
LiveEvent = tuple[str, dict[str, Any]]
# Reads the reply (and its question) from the database again.
Reload = Callable[[], Awaitable[tuple[Message, Message | None]]]


class Subscription(Protocol):
    def events(self, have: int, reload: Reload) -> AsyncIterator[tuple[str, dict[str, Any]]]: ...


class Relay(Protocol):
    """Carries live events between processes (Redis pub/sub)."""

    async def delta(self, reply_id: int, offset: int, piece: str) -> None: ...

    async def end(self, reply_id: int, event: dict[str, Any]) -> None: ...

    async def step(self, reply_id: int, event: dict[str, Any]) -> None: ...

    async def text(self, reply_id: int) -> str: ...

    def subscribe(self, reply_id: int) -> AbstractAsyncContextManager[Subscription]: ...

    async def aclose(self) -> None: ...


@dataclass
class Running:
    """One reply being written here: its text so far, its followers, its stop signal."""

    reply_id: int
    text: str = ""
    saved: int = 0  # how much of `text` is stored (shared/turns/beat.py)
    followers: set[asyncio.Queue[LiveEvent]] = field(default_factory=set)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    # Tool steps so far (`tool_call` / `tool_result` events), for followers who join late.
    steps: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


class LiveHub:
    def __init__(self, relay: Relay | None = None) -> None:
        self.relay = relay
        self.running: dict[int, Running] = {}
        self.tasks: set[asyncio.Task[Any]] = set()

    def launch(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run `work` to its end whatever happens to the request that started it."""
        task = asyncio.create_task(work)
        self.tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self.tasks.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved (the writer logged it), whether or not anyone awaits

    def start(self, reply_id: int) -> Running:
        running = self.running[reply_id] = Running(reply_id)
        return running

    async def delta(self, running: Running, piece: str) -> None:
        offset = len(running.text)
        running.text += piece
        for queue in running.followers:
            queue.put_nowait(("delta", {"content": piece, "offset": offset}))
        if self.relay is not None:
            await self.relay.delta(running.reply_id, offset, piece)

    async def step(self, running: Running, event: str, data: dict[str, Any]) -> None:
        """A tool call started or ended: every follower hears of it (before the text)."""
        running.steps.append((event, data))
        for queue in running.followers:
            queue.put_nowait(("step", {"event": event, "data": data}))
        if self.relay is not None:
            await self.relay.step(running.reply_id, {"event": event, "data": data})

    def steps(self, reply_id: int) -> list[tuple[str, dict[str, Any]]]:
        running = self.running.get(reply_id)
        return list(running.steps) if running is not None else []

    async def end(self, running: Running, event: str, data: dict[str, Any]) -> None:
        """The reply is stored in its final state: tell every follower how it ended."""
        self.running.pop(running.reply_id, None)
        for queue in running.followers:
            queue.put_nowait(("end", {"event": event, "data": data}))
        if self.relay is not None:
            await self.relay.end(running.reply_id, {"event": event, "data": data})

    def follow(self, reply_id: int) -> tuple[str, asyncio.Queue[LiveEvent]] | None:
        """The text so far and a queue of what follows, when the reply is written here."""
        running = self.running.get(reply_id)
        if running is None:
            return None
        queue: asyncio.Queue[LiveEvent] = asyncio.Queue()
        running.followers.add(queue)
        return running.text, queue

    def unfollow(self, reply_id: int, queue: asyncio.Queue[LiveEvent]) -> None:
        running = self.running.get(reply_id)
        if running is not None:
            running.followers.discard(queue)

    def request_stop(self, reply_id: int) -> None:
        """Stop at once when the reply is written here (others notice the stored status)."""
        running = self.running.get(reply_id)
        if running is not None:
            running.stop.set()

    async def shutdown(self) -> None:
        """Cancel every reply still being written; each stores itself as failed."""
        tasks = list(self.tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self.relay is not None:
            await self.relay.aclose()
