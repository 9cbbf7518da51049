"""Speaking a reply while it is written: order, bounds, failures and abandonment."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from shared.providers.base import ProviderError, SpeechAudio
from shared.speech.stream import SentenceAudio, SentenceFailed, TextDelta, speak_as_written

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
