"""A streamed voice turn: the reply is spoken sentence by sentence while it is still written.

Events: `transcript` {user_message} once the recording is transcribed (the question is stored
then), `delta` {content} as the reply is written, `audio` {seq, mime_type, audio_base64, text}
per spoken sentence in order, then `done` {user_message, ai_message, unspoken} or `error`. A
client that asks for parts (`?audio=parts`), when the speech provider streams, gets each
sentence as `audio_part` {seq, part, last, text, mime_type, audio_base64} events instead: raw
PCM passed on as it is synthesised, so the first sound comes before the first sentence's
synthesis ends. The
reply is written by the turn engine on the server, so a client that goes away still finds it
stored complete; only the speech of a reply nobody listens to any more is dropped.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from quart import Response, g

from shared.auth.access import Caller
from shared.core.models import Chat
from shared.media.audio import Recording
from shared.providers.base import (
    ProviderError,
    SpeechAudio,
    TextToSpeech,
    pcm_mime_type,
    streaming,
)
from shared.speech.stream import (
    SentenceFailed,
    SentencePart,
    SpeechEvent,
    TextDelta,
    speak_as_written,
)
from shared.turns import store
from shared.turns.failures import provider_failure
from shared.turns.follow import Event, follow
from shared.turns.generation import launch, spoken
from shared.turns.store import Started
from shared.usage.speech_budgets import SpeechQuotaExceeded
from voice.deps import app_config, providers, writer
from voice.storage import history_budget, message_json
from voice.streaming import event_stream
from voice.turns import transcribed
from voice.turnstart import prefetched, reserved
from voice.usage import Reserved, SpeechRefused, SpeechTab

log = logging.getLogger("chatbot.requests")


class StageClock:
    """Milliseconds from the request's arrival to each stage's first occurrence."""

    def __init__(self) -> None:
        self.started = g.get("request_started", time.perf_counter())
        self.request_id = g.get("request_id")
        self.marks: dict[str, float] = {}

    def mark(self, stage: str) -> None:
        self.marks.setdefault(stage, round((time.perf_counter() - self.started) * 1000, 1))

    def log(self, **extra: Any) -> None:
        fields = {"service": "voice", "request_id": self.request_id, **self.marks, **extra}
        log.info("voice stream stages", extra={"fields": fields})


async def streamed_voice_turn(
    caller: Caller, chat: Chat, recording: Recording, *, parts: bool = False
) -> Response:
    """Transcribe, store the question, start the reply, and stream text and speech.

    `parts`: the client plays raw PCM, so a streaming speech provider's audio is passed on in
    parts as it comes (the `audio_part` events)."""
    clock = StageClock()
    async with reserved(caller) as reservation:  # checked before the recording is transcribed
        content = await transcribed(caller, recording)
        clock.mark("stt_ms")
        await prefetched(chat.id, content)
        turn = await reservation.begin(store.begin_ask, caller, chat.id, content, history_budget())
    launch(writer(), spoken(turn))
    voice = chat.agent.voice or app_config().openai_tts_voice
    headers = {
        "X-User-Message-Id": str(turn.user_message.id),
        "X-AI-Message-Id": str(turn.ai_message.id),
    }
    config = app_config()
    speech = Spoken(providers().tts, voice, clock, SpeechTab(caller))
    pipeline = SpeechPlan(
        config.tts_max_in_flight,
        min(config.max_sentence_chars, speech.limit),
        parts and speech.streaming is not None,
    )
    events = follow(writer(), turn.ai_message.id)  # bound now: the body runs after the request
    return event_stream(voice_events(turn, events, speech, pipeline), headers)


@dataclass(frozen=True)
class SpeechPlan:
    in_flight: int
    max_chars: int
    in_parts: bool = False  # sentences passed on in parts as they are synthesised


class ReplyEnded(Exception):
    """The reply failed: stop speaking it and send its error event."""


# Tool steps are sent to the client, never spoken (voice speaks only the answer).
TOOL_EVENTS = ("tool_call", "tool_result")


async def reply_text(
    events: AsyncIterator[Event], ending: list[Event], steps: list[Event] | None = None
) -> AsyncIterator[str]:
    """The reply's text as it is written; tool steps go into `steps`, how it ended `ending`."""
    async for name, data in events:
        if name == "delta":
            yield data["content"]
            continue
        if name in TOOL_EVENTS:
            if steps is not None:
                steps.append((name, data))
            continue
        ending.append((name, data))
        if name == "error":
            raise ReplyEnded
        return


async def voice_events(
    turn: Started, events: AsyncIterator[Event], spoken: Spoken, plan: SpeechPlan
) -> AsyncIterator[Event]:
    yield "transcript", {"user_message": message_json(turn.user_message)}
    ending: list[Event] = []
    steps: list[Event] = []
    deltas = reply_text(events, ending, steps)
    try:
        async for item in speak_as_written(
            deltas,
            spoken.synthesize,
            max_in_flight=plan.in_flight,
            max_chars=plan.max_chars,
            stream=spoken.stream if plan.in_parts else None,
        ):
            while steps:  # before the text they came before
                yield steps.pop(0)
            yield spoken.event(item)
    except ReplyEnded:
        pass
    finally:  # also when the client leaves: what was reserved but not spoken goes back
        await asyncio.shield(spoken.tab.settle())
    while steps:
        yield steps.pop(0)
    name, data = ending[0] if ending else ("error", {"message": "The reply ended unexpectedly."})
    if name == "done":
        data = {**data, **spoken.summary()}
    spoken.clock.mark("total_ms")
    spoken.clock.log(sentences=spoken.count, unspoken=spoken.unspoken)
    yield name, data


class Spoken:
    """Speech of one reply: each sentence's event, and which sentences could not be spoken."""

    def __init__(self, tts: TextToSpeech, voice: str, clock: StageClock, tab: SpeechTab) -> None:
        self.tts, self.voice, self.clock, self.tab = tts, voice, clock, tab
        self.limit = tts.max_input_chars
        self.streaming = streaming(tts)  # None: it only speaks whole clips
        self.count = 0
        self.unspoken: list[int] = []
        self.first_error: dict[str, Any] | None = None

    async def synthesize(self, text: str) -> SpeechAudio:
        taken = await self._charged(text)
        try:
            return await self.tts.aspeak(text, self.voice)
        except ProviderError:
            self.tab.give_back(taken, text)
            raise

    async def stream(self, text: str) -> AsyncIterator[bytes]:
        """The sentence's PCM as it is synthesised (only asked for of a streaming provider)."""
        assert self.streaming is not None
        taken = await self._charged(text)
        try:
            async for chunk in self.streaming.aspeak_stream(text, self.voice):
                yield chunk
        except ProviderError:
            self.tab.give_back(taken, text)
            raise

    async def _charged(self, text: str) -> Reserved:
        """Each sentence is charged before it is made (from the reply's reservation)."""
        self.clock.mark("first_sentence_ms")
        try:
            return await self.tab.take(text)
        except SpeechQuotaExceeded as spent:
            raise SpeechRefused(spent.message, stage="tts") from spent

    def event(self, item: SpeechEvent) -> Event:
        if isinstance(item, TextDelta):
            self.clock.mark("first_token_ms")
            return "delta", {"content": item.content}
        if isinstance(item, SentencePart):
            return self._part(item)
        self.count += 1
        if isinstance(item, SentenceFailed):
            self.unspoken.append(item.seq)
            self.first_error = self.first_error or provider_failure(item.error)
            return "audio_error", {"seq": item.seq, "text": item.text}
        self.clock.mark("first_audio_ms")
        audio = base64.b64encode(item.audio.data).decode("ascii")
        return "audio", {
            "seq": item.seq,
            "text": item.text,
            "mime_type": item.audio.mime_type,
            "audio_base64": audio,
        }

    def _part(self, item: SentencePart) -> Event:
        self.clock.mark("first_audio_ms")
        if item.last:
            self.count += 1
        assert self.streaming is not None
        return "audio_part", {
            "seq": item.seq,
            "part": item.part,
            "last": item.last,
            "text": item.text,
            "mime_type": pcm_mime_type(self.streaming.pcm_rate),
            "audio_base64": base64.b64encode(item.audio).decode("ascii"),
        }

    def summary(self) -> dict[str, Any]:
        """Added to `done`: which sentences were not spoken, and why (the first failure)."""
        extra: dict[str, Any] = {"unspoken": self.unspoken}
        if self.first_error is not None:
            extra["speech_error"] = self.first_error
        return extra
