"""Writing a reply in the voice service: streamed from the provider, saved as it grows,
published live, stoppable, and finished on the server whether or not anyone still listens."""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.core.models import Message, MessageStatus
from shared.core.validation import has_text
from shared.providers.base import ChatProvider, ProviderError, ReplyStream
from shared.tools import running as tool_running
from shared.tools.rounds import NO_TOOLS, STOPPED, Call, Rounds, Toolbox, ToolSource
from shared.turns import charges, replies
from shared.turns.beat import Beat
from shared.turns.failures import Kept, TurnFailed, interrupted, turn_failure
from shared.turns.live import LiveHub, Running
from shared.turns.store import Started

T = TypeVar("T")
log = logging.getLogger(__name__)
EMPTY_REPLY = "The AI provider returned an empty reply."


@dataclass(frozen=True)
class Writer:
    """What writing a reply needs; the voice service builds one at start."""

    sessions: async_sessionmaker[AsyncSession]
    provider: ChatProvider
    hub: LiveHub
    serialize: Callable[[Message], dict[str, Any]]
    # The tool servers of this process (None: no tools configured).
    tools: ToolSource | None = None

    async def run(self, work: Callable[..., T], *args: Any) -> T:
        """`work(session, *args)` from `shared.turns` in a fresh session, committed."""
        async with self.sessions() as session:
            result = await session.run_sync(work, *args)
            await session.commit()
            return result

    @functools.cached_property
    def beat(self) -> Beat:
        """Saves the replies written here and notices their stops, all at once."""
        return Beat(self.run, self.hub)

    def done(self, user: Message, reply: Message) -> dict[str, Any]:
        return {"user_message": self.serialize(user), "ai_message": self.serialize(reply)}


@dataclass(frozen=True)
class Written:
    """The stored reply, and the provider error when it failed."""

    reply: Message
    error: ProviderError | None


class Clock:
    def __init__(self) -> None:
        self.start = time.monotonic()
        self.first_token_ms: int | None = None

    def first_token(self) -> None:
        if self.first_token_ms is None:
            self.first_token_ms = self.elapsed_ms()

    def elapsed_ms(self) -> int:
        return round((time.monotonic() - self.start) * 1000)


def launch(writer: Writer, turn: Started) -> asyncio.Task[Written]:
    """Start writing the reply of `turn` on the server; it ends whether or not anyone listens.

    Followers can attach at once: the reply is registered before this returns.
    """
    running = writer.hub.start(turn.ai_message.id)
    writer.beat.keep()
    return writer.hub.launch(generate(writer, turn, running))


async def generate(writer: Writer, turn: Started, running: Running) -> Written:
    """Write the reply of `turn` to its end and store it; followers learn how it ended."""
    try:
        outcome = await write(writer, turn.ai_message.id, turn, running)
        stored = await writer.run(charges.finish, turn, outcome)
    except asyncio.CancelledError:
        await asyncio.shield(close_interrupted(writer, turn, running))
        raise
    except Exception:  # e.g. the database went away: never leave followers waiting
        log.exception("a reply could not be written to its end")
        await asyncio.shield(close_interrupted(writer, turn, running))
        raise
    reply = stored or turn.ai_message
    if reply.status is MessageStatus.FAILED:
        failure = TurnFailed(outcome.error or interrupted(), kept(turn))
        await writer.hub.end(running, "error", turn_failure(failure))
        return Written(reply, failure.error)
    await writer.hub.end(running, "done", writer.done(turn.user_message, reply))
    return Written(reply, None)


def kept(turn: Started) -> Kept:
    return Kept(turn.chat_id, turn.user_message.id, turn.ai_message.id)


async def close_interrupted(writer: Writer, turn: Started, running: Running) -> None:
    """The reply cannot be finished (the process stops): store it as failed, never leave it
    pending, and tell its followers."""
    try:
        await writer.run(charges.close, turn)
    finally:
        failure = TurnFailed(interrupted(), kept(turn))
        await writer.hub.end(running, "error", turn_failure(failure))


def spoken(turn: Started) -> Started:
    """A voice turn: low reasoning effort unless its agent names one (the first sentence
    comes sooner)."""
    return replace(turn, reasoning_effort=turn.reasoning_effort or "low")


async def write(writer: Writer, reply_id: int, turn: Started, running: Running) -> replies.Outcome:
    """Stream the reply (and its tool rounds) until it ends, fails or is stopped."""
    clock = Clock()
    toolbox = await tools_of(writer, turn)
    rounds = Rounds(toolbox, list(turn.context), turn.reasoning_effort)
    # Set here by a stop request, or by the beat when the reply was stopped elsewhere.
    watcher = asyncio.create_task(running.stop.wait())
    try:
        while True:
            before = len(running.text)
            stream = writer.provider.astream(rounds.messages, turn.model, rounds.options())
            reader = asyncio.create_task(read(writer, stream, running, clock))
            try:
                await asyncio.wait({reader, watcher}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                reader.cancel()
                await asyncio.gather(reader, return_exceptions=True)
                await stream.aclose()
            said = running.text[before:]
            if reader.cancelled() or reader.exception():
                if rounds.calls:  # the rounds before count too, and so does this one
                    rounds.used(stream.usage, said, ())
                ended = outcome(reader, stream, running.text, clock, rounds)
                return replies.with_calls(ended, rounds)
            rounds.used(stream.usage, said, stream.tool_calls)
            if not rounds.wants(stream.tool_calls):
                ended = outcome(reader, stream, running.text, clock, rounds)
                return replies.with_calls(ended, rounds)
            calls = rounds.asked(said, stream.tool_calls)
            if not await call_tools(writer, reply_id, rounds, calls, running, watcher):
                ended = outcome(None, stream, running.text, clock, rounds)
                return replies.with_calls(ended, rounds)
    finally:
        watcher.cancel()
        await asyncio.gather(watcher, return_exceptions=True)


async def tools_of(writer: Writer, turn: Started) -> Toolbox:
    """The turn's tools; off the loop while the servers start (the first turn in a process)."""
    if writer.tools is None or not turn.tools:
        return NO_TOOLS
    if writer.tools.hub.ready:
        return writer.tools.toolbox(turn.tools)
    return await asyncio.to_thread(writer.tools.toolbox, turn.tools)


async def call_tools(
    writer: Writer,
    reply_id: int,
    rounds: Rounds,
    calls: list[Call],
    running: Running,
    watcher: asyncio.Task[bool],
) -> bool:
    """Run a round's calls one by one, each told to followers as it starts and ends and saved
    as it ends; False when the reply was stopped (the call under way is cancelled)."""
    for call in calls:
        await writer.hub.step(running, "tool_call", call.announced())
        task = asyncio.create_task(tool_running.arun(rounds, call))
        await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
        stopped = not task.done()
        if stopped:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            rounds.ended(call, "error", STOPPED)
        await writer.hub.step(running, "tool_result", call.reported())
        await writer.run(replies.save_calls, reply_id, running.text, rounds.stored())
        if stopped:
            return False
    return True


def valid_text(piece: str) -> str:
    """Text every database and client can hold: a lone surrogate from upstream becomes '?'."""
    return piece.encode("utf-8", "replace").decode("utf-8")


def outcome(
    reader: asyncio.Task[None] | None,
    stream: ReplyStream,
    text: str,
    clock: Clock,
    rounds: Rounds | None = None,
) -> replies.Outcome:
    """How the reply ended (`reader` None: stopped between rounds)."""
    ended = reader is not None and reader.done() and not reader.cancelled()
    error = reader.exception() if reader is not None and ended else None
    if isinstance(error, ProviderError):
        return replies.failed(text, error, clock.elapsed_ms())
    if error is not None:
        raise error
    complete = ended  # the stream read to its end, neither stopped nor failed
    if complete and not has_text(text):
        empty = ProviderError(EMPTY_REPLY, stage="llm")
        return replies.failed(text, empty, clock.elapsed_ms())
    status = MessageStatus.COMPLETE if complete else MessageStatus.STOPPED
    usage = rounds.usage(stream.usage) if rounds is not None else stream.usage
    return replies.Outcome(
        status, text, usage, stream.model, clock.first_token_ms, clock.elapsed_ms()
    )


async def read(writer: Writer, stream: ReplyStream, running: Running, clock: Clock) -> None:
    """Pieces into the live hub until the stream ends (the beat saves them)."""
    async for raw in stream:
        piece = valid_text(raw)
        clock.first_token()
        await writer.hub.delta(running, piece)
