"""Speak a reply while it is still being written: sentences are synthesised as soon as they end.

`speak_as_written` turns a stream of text deltas into a stream of events: every delta as it
arrives, and for each sentence its audio (or its failure) in sentence order, as soon as it and
every sentence before it are synthesised. At most `max_in_flight` synthesis calls run at once, so
a long reply never floods the speech provider; a failed sentence is reported and the rest are
still spoken. Abandoning the iterator cancels the synthesis calls still running.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from shared.media.sentences import SentenceSplitter, speakable
from shared.providers.base import ProviderError, SpeechAudio

Synthesize = Callable[[str], Awaitable[SpeechAudio]]


@dataclass(frozen=True)
class TextDelta:
    content: str


@dataclass(frozen=True)
class SentenceAudio:
    seq: int  # 1-based, in reading order
    text: str
    audio: SpeechAudio


@dataclass(frozen=True)
class SentenceFailed:
    seq: int
    text: str
    error: ProviderError


SpeechEvent = TextDelta | SentenceAudio | SentenceFailed
_END = object()


async def speak_as_written(
    deltas: AsyncIterator[str],
    synthesize: Synthesize,
    *,
    max_in_flight: int = 2,
    max_chars: int = 400,
) -> AsyncIterator[SpeechEvent]:
    """Deltas interleaved with each sentence's audio, in order (see the module docstring)."""
    events: asyncio.Queue[object] = asyncio.Queue()
    pipeline = _Pipeline(synthesize, events, max_in_flight)
    writer = asyncio.create_task(_write(deltas, SentenceSplitter(max_chars), pipeline, events))
    try:
        while (event := await events.get()) is not _END:
            if isinstance(event, BaseException):
                raise event
            yield event  # type: ignore[misc]
    finally:
        writer.cancel()
        await pipeline.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await writer


async def _write(
    deltas: AsyncIterator[str],
    splitter: SentenceSplitter,
    pipeline: _Pipeline,
    events: asyncio.Queue[object],
) -> None:
    try:
        async for delta in deltas:
            await events.put(TextDelta(delta))
            for sentence in splitter.feed(delta):
                pipeline.add(sentence)
        for sentence in splitter.flush():
            pipeline.add(sentence)
        await pipeline.drain()
        await events.put(_END)
    except Exception as exc:  # the reply itself failed: hand the error to the reader
        await pipeline.cancel()
        await events.put(exc)


class _Pipeline:
    """Synthesis tasks started in sentence order, bounded, reported in that order."""

    def __init__(
        self, synthesize: Synthesize, events: asyncio.Queue[object], max_in_flight: int
    ) -> None:
        self._synthesize = synthesize
        self._events = events
        self._slots = asyncio.Semaphore(max(1, max_in_flight))
        self._previous: asyncio.Task[None] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._seq = 0

    def add(self, sentence: str) -> None:
        words = speakable(sentence)
        if not words:
            return  # code blocks and bare markup are shown, not spoken
        self._seq += 1
        task = asyncio.create_task(self._speak(self._seq, words, self._previous))
        self._tasks.append(task)
        self._previous = task

    async def _speak(self, seq: int, words: str, previous: asyncio.Task[None] | None) -> None:
        async with self._slots:
            try:
                event: SpeechEvent = SentenceAudio(seq, words, await self._synthesize(words))
            except ProviderError as exc:
                event = SentenceFailed(seq, words, exc)
        if previous is not None:
            await asyncio.shield(previous)  # report in reading order
        await self._events.put(event)

    async def drain(self) -> None:
        if self._previous is not None:
            await self._previous

    async def cancel(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
