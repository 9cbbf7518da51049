"""Speaking a reply while it is written: order, bounds, failures and abandonment."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from shared.providers.base import ProviderError, SpeechAudio
from shared.speech.stream import (
    SentenceAudio,
    SentenceFailed,
    SentencePart,
    TextDelta,
    speak_as_written,
)

REPLY = "One is here. Two is next. Three is slow. Four works. Five ends."


async def written(text: str, first: asyncio.Event | None = None) -> AsyncIterator[str]:
    words = text.split(" ")
    for index, word in enumerate(words):
        yield word + (" " if index < len(words) - 1 else "")
        if index == 3 and first is not None:
            await first.wait()  # hold the rest of the reply until sentence 1 is spoken
        await asyncio.sleep(0)


class Speaker:
    def __init__(self, fail_on: str = "", slow_on: str = "") -> None:
        self.fail_on, self.slow_on = fail_on, slow_on
        self.active = self.peak = 0
        self.spoken: list[str] = []
        self.first_spoken = asyncio.Event()

    async def __call__(self, text: str) -> SpeechAudio:
        self.active += 1
        self.peak = max(self.peak, self.active)
        try:
            await asyncio.sleep(0.02 if self.slow_on and self.slow_on in text else 0)
            if self.fail_on and self.fail_on in text:
                raise ProviderError("speech failed", stage="tts")
            self.spoken.append(text)
            self.first_spoken.set()
            return SpeechAudio(text.encode(), "audio/wav", "wav")
        finally:
            self.active -= 1


async def collect(stream: AsyncIterator[object]) -> list[object]:
    return [event async for event in stream]


async def test_audio_of_the_first_sentence_comes_before_the_reply_ends() -> None:
    speaker = Speaker()
    events = await collect(speak_as_written(written(REPLY, speaker.first_spoken), speaker))
    kinds = [type(event).__name__ for event in events]
    first_audio = kinds.index("SentenceAudio")
    last_delta = len(kinds) - 1 - kinds[::-1].index("TextDelta")
    assert first_audio < last_delta
    assert "".join(e.content for e in events if isinstance(e, TextDelta)) == REPLY


async def test_sentences_are_reported_in_order_and_bounded() -> None:
    speaker = Speaker(slow_on="One")  # the first sentence is the slowest to synthesise
    events = await collect(speak_as_written(written(REPLY), speaker, max_in_flight=2))
    audio = [e for e in events if isinstance(e, SentenceAudio)]
    assert [e.seq for e in audio] == [1, 2, 3, 4, 5]
    assert audio[0].text == "One is here."
    assert speaker.peak <= 2


async def test_a_failed_sentence_is_reported_and_the_rest_still_spoken() -> None:
    speaker = Speaker(fail_on="Three")
    events = await collect(speak_as_written(written(REPLY), speaker))
    outcome = [(type(e).__name__, e.seq) for e in events if not isinstance(e, TextDelta)]
    assert outcome == [
        ("SentenceAudio", 1),
        ("SentenceAudio", 2),
        ("SentenceFailed", 3),
        ("SentenceAudio", 4),
        ("SentenceAudio", 5),
    ]
    failed = next(e for e in events if isinstance(e, SentenceFailed))
    assert failed.text == "Three is slow."


async def test_a_failing_reply_raises_to_the_reader() -> None:
    async def broken() -> AsyncIterator[str]:
        yield "Half a sentence. And"
        raise ProviderError("the model failed", stage="llm")

    stream = speak_as_written(broken(), Speaker())
    received: list[object] = []
    try:
        async for event in stream:
            received.append(event)
    except ProviderError as exc:
        assert exc.stage == "llm"
    else:
        raise AssertionError("the reply's failure was swallowed")
    assert received[0] == TextDelta("Half a sentence. And")


async def test_abandoning_the_stream_cancels_pending_synthesis() -> None:
    started = asyncio.Event()

    async def never_finishes(text: str) -> SpeechAudio:
        started.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    stream = speak_as_written(written(REPLY), never_finishes)
    async for _ in stream:
        if started.is_set():
            break
    await stream.aclose()
    await asyncio.sleep(0)
    leftovers = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    assert leftovers == []


async def test_code_blocks_are_not_spoken() -> None:
    speaker = Speaker()
    text = "Look:\n```\nprint(1)\n```\nDone now."
    await collect(speak_as_written(written(text), speaker))
    assert speaker.spoken == ["Look:", "Done now."]


class StreamingSpeaker:
    """Yields each sentence's audio in three chunks; `hold` keeps the first sentence's synthesis
    open after its first chunk until released; `break_on` fails a sentence after one chunk."""

    def __init__(self, break_on: str = "", silent_on: str = "") -> None:
        self.break_on, self.silent_on = break_on, silent_on
        self.hold = asyncio.Event()
        self.first_chunk_sent = asyncio.Event()
        self.finished: list[str] = []
        self.active = self.peak = 0

    async def __call__(self, text: str) -> AsyncIterator[bytes]:
        self.active += 1
        self.peak = max(self.peak, self.active)
        try:
            if self.silent_on and self.silent_on in text:
                return
            for index in range(3):
                yield f"{text}|{index};".encode()
                if self.break_on and self.break_on in text:
                    raise ProviderError("speech broke off", stage="tts")
                if text.startswith("One") and index == 0:
                    self.first_chunk_sent.set()
                    await self.hold.wait()
                await asyncio.sleep(0)
            self.finished.append(text)
        finally:
            self.active -= 1


async def unused_whole(text: str) -> SpeechAudio:
    raise AssertionError("a streaming speaker is asked for parts, never whole clips")


def sentences_heard(events: list[object]) -> dict[int, bytes]:
    heard: dict[int, bytes] = {}
    for event in events:
        if isinstance(event, SentencePart):
            heard[event.seq] = heard.get(event.seq, b"") + event.audio
    return heard


async def test_the_first_sentence_is_heard_before_its_synthesis_ends() -> None:
    speaker = StreamingSpeaker()
    stream = speak_as_written(written(REPLY), unused_whole, stream=speaker)
    events: list[object] = []
    async for event in stream:
        events.append(event)
        if isinstance(event, SentencePart):
            break
    first = events[-1]
    assert isinstance(first, SentencePart)
    assert (first.seq, first.part, first.last, first.text) == (1, 0, False, "One is here.")
    assert first.audio == b"One is here.|0;"
    assert speaker.finished == []  # still held after its first chunk: nothing is whole yet
    speaker.hold.set()
    events += await collect(stream)
    heard = sentences_heard(events)
    assert sorted(heard) == [1, 2, 3, 4, 5]
    assert heard[1] == b"One is here.|0;One is here.|1;One is here.|2;"


async def test_parts_keep_reading_order_and_each_sentence_ends_with_a_last_part() -> None:
    speaker = StreamingSpeaker()
    speaker.hold.set()
    events = await collect(
        speak_as_written(written(REPLY), unused_whole, stream=speaker, max_in_flight=2)
    )
    parts = [event for event in events if isinstance(event, SentencePart)]
    assert [p.seq for p in parts] == sorted(p.seq for p in parts)  # never interleaved
    for seq in range(1, 6):
        mine = [p for p in parts if p.seq == seq]
        assert [p.part for p in mine] == list(range(len(mine)))
        assert [p.last for p in mine] == [False] * (len(mine) - 1) + [True]
    assert speaker.peak <= 2


async def test_a_synthesis_that_breaks_off_reports_what_was_heard_and_goes_on() -> None:
    speaker = StreamingSpeaker(break_on="Three")
    speaker.hold.set()
    events = await collect(speak_as_written(written(REPLY), unused_whole, stream=speaker))
    failed = [event for event in events if isinstance(event, SentenceFailed)]
    assert [(f.seq, f.text, f.parts) for f in failed] == [(3, "Three is slow.", 1)]
    heard = sentences_heard(events)
    assert heard[3] == b"Three is slow.|0;"  # its first chunk was already passed on
    assert sorted(heard) == [1, 2, 3, 4, 5]
    assert [e.seq for e in events if isinstance(e, SentencePart) and e.last] == [1, 2, 4, 5]


async def test_a_sentence_streamed_without_audio_is_a_failure() -> None:
    speaker = StreamingSpeaker(silent_on="Two")
    speaker.hold.set()
    events = await collect(speak_as_written(written(REPLY), unused_whole, stream=speaker))
    failed = [event for event in events if isinstance(event, SentenceFailed)]
    assert [(f.seq, f.parts) for f in failed] == [(2, 0)]
    assert "no audio" in failed[0].error.message


async def test_abandoning_a_streamed_reply_cancels_its_synthesis() -> None:
    speaker = StreamingSpeaker()  # the first sentence stays held
    stream = speak_as_written(written(REPLY), unused_whole, stream=speaker)
    async for event in stream:
        if isinstance(event, SentencePart):
            break
    await stream.aclose()  # type: ignore[attr-defined]
    await asyncio.sleep(0)
    assert speaker.active == 0
