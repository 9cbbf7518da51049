"""Speak a reply while it is still being written: sentences are synthesised as soon as they end.

`speak_as_written` turns a stream of text deltas into a stream of events: every delta as it
arrives, and for each sentence its audio (or its failure) in sentence order, as soon as it and
every sentence before it are synthesised. At most `max_in_flight` synthesis calls run at once, so
a long reply never floods the speech provider; a failed sentence is reported and the rest are
still spoken. Abandoning the iterator cancels the synthesis calls still running.

Given `stream` (a synthesis that yields audio as it is made), a sentence is reported in parts
instead: the sentence being heard passes its audio on as it arrives, before its synthesis ends,
while the sentences after it are synthesised ahead and held until their turn.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from shared.media.sentences import SentenceSplitter, speakable
from shared.providers.base import ProviderError, SpeechAudio

Synthesize = Callable[[str], Awaitable[SpeechAudio]]
StreamSynthesize = Callable[[str], AsyncIterator[bytes]]


@dataclass(frozen=True)
class TextDelta:
    content: str


@dataclass(frozen=True)
class SentenceAudio:
    seq: int  # 1-based, in reading order
    text: str
    audio: SpeechAudio


@dataclass(frozen=True)
class SentencePart:
    """Some of a sentence's audio, in order; `last` marks the end of that sentence."""

    seq: int
    part: int  # 0-based within the sentence
    text: str
    audio: bytes
    last: bool


@dataclass(frozen=True)
class SentenceFailed:
    seq: int
    text: str
    error: ProviderError
    parts: int = 0  # parts of it already reported (a synthesis that broke off midway)


SpeechEvent = TextDelta | SentenceAudio | SentencePart | SentenceFailed
_END = object()


async def speak_as_written(
    deltas: AsyncIterator[str],
    synthesize: Synthesize,
    *,
    max_in_flight: int = 2,
    max_chars: int = 400,
    stream: StreamSynthesize | None = None,
) -> AsyncIterator[SpeechEvent]:
    """Deltas interleaved with each sentence's audio, in order (see the module docstring)."""
    events: asyncio.Queue[object] = asyncio.Queue()
    pipeline = _Pipeline(synthesize, stream, events, max_in_flight)
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
        self,
        synthesize: Synthesize,
        stream: StreamSynthesize | None,
        events: asyncio.Queue[object],
        max_in_flight: int,
    ) -> None:
        self._synthesize = synthesize
        self._stream = stream
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
        if self._stream is None:
            task = asyncio.create_task(self._speak(self._seq, words, self._previous))
        else:
            chunks: asyncio.Queue[object] = asyncio.Queue()
            self._tasks.append(asyncio.create_task(self._produce(self._stream, words, chunks)))
            task = asyncio.create_task(self._relay(self._seq, words, chunks, self._previous))
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

    async def _produce(
        self, stream: StreamSynthesize, words: str, chunks: asyncio.Queue[object]
    ) -> None:
        """Synthesise ahead (within the bound), keeping the audio until the sentence's turn."""
        async with self._slots:
            try:
                async for chunk in stream(words):
                    if chunk:
                        chunks.put_nowait(chunk)
                chunks.put_nowait(_END)
            except Exception as exc:  # handed to the sentence's relay, in its turn
                chunks.put_nowait(exc)

    async def _relay(
        self,
        seq: int,
        words: str,
        chunks: asyncio.Queue[object],
        previous: asyncio.Task[None] | None,
    ) -> None:
        """Once every sentence before it is reported, pass the audio on as it comes."""
        if previous is not None:
            await asyncio.shield(previous)
        part = 0
        while True:
            pending = [await chunks.get()]
            while not chunks.empty() and isinstance(pending[-1], bytes):
                pending.append(chunks.get_nowait())  # what piled up goes as one part
            ending = pending.pop() if not isinstance(pending[-1], bytes) else None
            audio = b"".join(pending)  # type: ignore[arg-type]
            if ending is _END and part == 0 and not audio:
                ending = ProviderError("The AI provider returned no audio.", stage="tts")
            if isinstance(ending, Exception) and not isinstance(ending, ProviderError):
                raise ending  # a fault, not a failed synthesis: the reader gets it
            if isinstance(ending, ProviderError):
                if audio:
                    await self._events.put(SentencePart(seq, part, words, audio, last=False))
                    part += 1
                await self._events.put(SentenceFailed(seq, words, ending, parts=part))
                return
            if audio or ending is _END:
                last = ending is _END
                await self._events.put(SentencePart(seq, part, words, audio, last=last))
                part += 1
                if last:
                    return

    async def drain(self) -> None:
        if self._previous is not None:
            await self._previous

    async def cancel(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
