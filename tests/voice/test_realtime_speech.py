"""Voice turns spoken through the Realtime API (TTS_API=realtime) against the fake upstream's
WebSocket, through the official SDK: playable audio of the right length, the agent's voice,
long replies in full, audio yielded as it arrives, and each failure with what is kept."""

from __future__ import annotations

import asyncio
import base64
import io
import threading
from typing import Any

import av
import pytest
from flask import Flask
from quart import Quart

from shared.core.config import Config
from shared.providers.base import ProviderError
from shared.providers.openai_realtime import OpenAIRealtimeSpeech
from tests.fake_openai import Behaviour
from tests.fake_realtime import CHUNK_SAMPLES, RealtimeFailure, expected_seconds
from tests.voice.conftest import (
    OpenVoiceChat,
    ServeVoice,
    VoiceChat,
    assert_turn_failed_at,
    health_of,
)
from tests.voice.test_speech_budgets import spoken_characters
from tests.voice.test_streaming import parse_events
from voice import deps

EVENTS = {"Accept": "text/event-stream"}
TWO = "The first sentence is here. The second one follows it."


@pytest.fixture
def voice_config(config: Config) -> Config:
    return config.replace(tts_api="realtime")


def decoded_seconds(data: bytes) -> float:
    with av.open(io.BytesIO(data)) as media:
        stream = media.streams.audio[0]
        samples = sum(frame.samples for frame in media.decode(stream))
        return samples / (stream.rate or 24000)


def spoken_voice(upstream: Behaviour) -> str:
    update = next(e for e in upstream.realtime.sessions[-1] if e["type"] == "session.update")
    return str(update["session"]["audio"]["output"]["voice"])


async def test_voice_turn_on_realtime_path_returns_playable_audio(
    voice_chat: VoiceChat, upstream: Behaviour
) -> None:
    response = await voice_chat.post_audio()

    assert response.status_code == 201
    assert response.mimetype == "audio/mpeg"
    assert upstream.realtime.spoken_texts() == ["Echo: hello from the fake transcriber"]
    expected = expected_seconds("Echo: hello from the fake transcriber")
    assert decoded_seconds(await response.get_data()) == pytest.approx(expected, abs=0.08)
    handshake = upstream.realtime.handshakes[-1]
    assert "model=gpt-realtime-2.1-mini" in handshake["path"]
    assert handshake["authorization"] == "Bearer test-key"
    assert spoken_voice(upstream) == "alloy"
    assert not [r for r in upstream.requests if r["endpoint"] == "speech"]


async def test_voice_turn_on_realtime_path_uses_the_agent_s_voice(
    open_voice_chat: OpenVoiceChat, upstream: Behaviour
) -> None:
    chat = open_voice_chat(name="Narrator", prompt="Calm.", voice="marin")
    response = await chat.post_audio()

    assert response.status_code == 201
    assert spoken_voice(upstream) == "marin"
    session = upstream.realtime.sessions[-1]
    create = next(e for e in session if e["type"] == "response.create")
    assert create["response"]["conversation"] == "none"
    assert "exactly as written" in create["response"]["instructions"]


async def test_voice_turn_on_realtime_path_replaces_a_speech_only_voice(
    open_voice_chat: OpenVoiceChat, upstream: Behaviour
) -> None:
    # "nova" was chosen for /v1/audio/speech; the Realtime models lack it: the default speaks.
    chat = open_voice_chat(name="Old", prompt="Calm.", voice="nova")
    response = await chat.post_audio()

    assert response.status_code == 201
    assert spoken_voice(upstream) == "alloy"


async def test_voice_turn_on_realtime_path_speaks_a_long_reply_in_full(
    voice_chat: VoiceChat, upstream: Behaviour
) -> None:
    sentence = "This sentence is part of a long answer that keeps going. "
    upstream.reply = (sentence * 60).strip()  # ~3,400 characters: several responses, one session
    response = await voice_chat.post_audio()

    assert response.status_code == 201
    spoken = upstream.realtime.spoken_texts()
    assert len(spoken) >= 3 and len(upstream.realtime.sessions) == 1
    assert " ".join(spoken) == upstream.reply
    expected = sum(expected_seconds(text) for text in spoken)
    assert decoded_seconds(await response.get_data()) == pytest.approx(expected, abs=0.1)


@pytest.mark.parametrize(
    ("failure", "status"),
    [
        (RealtimeFailure("refuse"), 502),
        (RealtimeFailure("server_error"), 502),
        (RealtimeFailure("unavailable"), 502),
        (RealtimeFailure("drop", after_chunks=1), 503),
        (RealtimeFailure("hang", seconds=3), 504),
    ],
    ids=["refused-key", "server-error", "handshake-503", "dropped-socket", "timeout"],
)
async def test_voice_turn_realtime_failure_keeps_both_messages(
    failure: RealtimeFailure, status: int, voice_chat: VoiceChat, upstream: Behaviour
) -> None:
    upstream.realtime.fail_next(failure)
    response = await voice_chat.post_audio()

    assert response.status_code == status
    body = await assert_turn_failed_at(response, voice_chat, "tts")
    assert "fake" not in body["message"]


async def test_realtime_speech_retries_a_session_that_failed_before_any_audio(
    config: Config, upstream: Behaviour
) -> None:
    speech = OpenAIRealtimeSpeech(config.replace(provider_max_retries=1))
    upstream.realtime.fail_next(RealtimeFailure("drop", after_chunks=0))
    try:
        audio = await speech.aspeak("Hello again.")
    finally:
        await speech.aclose()
    assert audio.mime_type == "audio/mpeg"
    assert len(upstream.realtime.sessions) == 2


async def test_realtime_speech_slow_stream_is_not_cut_off_by_the_timeout(
    config: Config, upstream: Behaviour
) -> None:
    # PROVIDER_TIMEOUT bounds each wait for the next event, not the whole reply: a stream that
    # keeps sending (12 deltas, 0.15 s apart: longer than the timeout in total) is spoken whole.
    text = "x" * 120
    upstream.realtime.chunk_delay = 0.15
    speech = OpenAIRealtimeSpeech(config.replace(provider_timeout=1.0))
    try:
        audio = await speech.aspeak(text)
    finally:
        await speech.aclose()
    assert decoded_seconds(audio.data) == pytest.approx(expected_seconds(text), abs=0.08)


async def test_realtime_speech_yields_audio_as_it_arrives(
    config: Config, upstream: Behaviour
) -> None:
    text = "A sentence long enough for several audio chunks to be sent."
    gate = upstream.realtime.hold_after_first_chunk = threading.Event()
    speech = OpenAIRealtimeSpeech(config)
    chunks = speech.aspeak_stream(text, "coral")
    try:
        # The fake holds the rest of the response until the gate opens: the first chunk can
        # only arrive here if it is handed on before the response is complete.
        first = await asyncio.wait_for(anext(chunks), 5)
        gate.set()
        rest = [chunk async for chunk in chunks]
    finally:
        gate.set()
        await speech.aclose()
    assert len(first) == CHUNK_SAMPLES * 2
    total = len(first) + sum(len(chunk) for chunk in rest)
    assert total == round(expected_seconds(text) * 24000) * 2


async def test_voice_turn_on_compatible_server_still_uses_the_speech_endpoint(
    serve_voice: ServeVoice, voice_chat: VoiceChat, upstream: Behaviour
) -> None:
    # TTS_API=auto with OPENAI_BASE_URL set (a compatible server): /v1/audio/speech, no socket.
    async with serve_voice(tts_api="auto") as voice:
        response = await voice_chat.via(voice).post_audio()
        health = await health_of(voice)
    assert response.status_code == 201
    assert [r["endpoint"] for r in upstream.requests][-1] == "speech"
    assert upstream.realtime.sessions == []
    assert health["providers"]["tts_api"] == "speech"


async def test_voice_health_reports_realtime_speech_and_retiring_models(
    serve_voice: ServeVoice,
) -> None:
    async with serve_voice(tts_api="realtime", openai_chat_model="gpt-4o-mini") as voice:
        health = await health_of(voice)
    assert health["providers"]["tts_api"] == "realtime"
    assert [(w["model"], w["kind"], w["shutdown_date"]) for w in health["warnings"]] == [
        ("gpt-4o-mini", "retiring", "2027-01-14")
    ]


async def streamed_events(voice_chat: VoiceChat, query: str) -> list[tuple[str, dict[str, Any]]]:
    response = await voice_chat.post_audio(query=query, extra_headers=EVENTS)
    assert response.status_code == 200, await response.get_data()
    return parse_events((await response.get_data()).decode())


async def test_streamed_voice_turn_in_parts_passes_pcm_on_as_it_is_synthesised(
    voice_chat: VoiceChat, upstream: Behaviour, app: Flask
) -> None:
    upstream.reply = TWO
    events = await streamed_events(voice_chat, "?audio=parts")

    names = [name for name, _ in events]
    assert "audio" not in names and names[-1] == "done"
    parts = [data for name, data in events if name == "audio_part"]
    texts = ["The first sentence is here.", "The second one follows it."]
    for seq, text in enumerate(texts, start=1):
        mine = [p for p in parts if p["seq"] == seq]
        assert [p["part"] for p in mine] == list(range(len(mine)))
        assert [p["last"] for p in mine][-1] is True
        assert {p["text"] for p in mine} == {text}
        assert {p["mime_type"] for p in mine} == {"audio/pcm;rate=24000"}
        pcm = b"".join(base64.b64decode(p["audio_base64"]) for p in mine)
        assert len(pcm) == round(expected_seconds(text) * 24000) * 2  # every sample, once
    assert [p["seq"] for p in parts] == sorted(p["seq"] for p in parts)
    assert events[-1][1]["unspoken"] == []
    # One synthesis per sentence; two run at once (TTS_MAX_IN_FLIGHT), so they may reach the
    # upstream in either order (the events above are in order whatever it is).
    assert sorted(upstream.realtime.spoken_texts()) == sorted(texts)
    assert spoken_characters(app) == [sum(len(t) for t in texts)]  # one row, settled


async def test_streamed_voice_turn_without_parts_still_sends_whole_sentences(
    voice_chat: VoiceChat, upstream: Behaviour
) -> None:
    upstream.reply = TWO
    events = await streamed_events(voice_chat, "")

    audio = [data for name, data in events if name == "audio"]
    assert "audio_part" not in [name for name, _ in events]
    assert [a["seq"] for a in audio] == [1, 2]
    assert {a["mime_type"] for a in audio} == {"audio/mpeg"}
    assert decoded_seconds(base64.b64decode(audio[0]["audio_base64"])) == pytest.approx(
        expected_seconds("The first sentence is here."), abs=0.08
    )


async def test_streamed_voice_turn_in_parts_names_a_sentence_that_broke_off(
    voice_app: Quart, voice_chat: VoiceChat, upstream: Behaviour, app: Flask
) -> None:
    deps.services_of(voice_app).config = deps.services_of(voice_app).config.replace(
        tts_max_in_flight=1  # one at a time, so the synthesis that breaks off is sentence 1
    )
    upstream.reply = TWO
    upstream.realtime.fail_next(RealtimeFailure("drop", after_chunks=1))
    events = await streamed_events(voice_chat, "?audio=parts")

    failed = [data for name, data in events if name == "audio_error"]
    assert [f["seq"] for f in failed] == [1]
    first = [data for name, data in events if name == "audio_part" and data["seq"] == 1]
    assert len(first) == 1 and first[0]["last"] is False  # what was heard before the drop
    second = [data for name, data in events if name == "audio_part" and data["seq"] == 2]
    assert second and second[-1]["last"] is True  # the rest of the reply is still spoken
    done = events[-1][1]
    assert done["unspoken"] == [1] and done["speech_error"]["code"] == 503
    assert spoken_characters(app) == [len("The second one follows it.")]  # the failed one refunded


async def read_aloud(voice_chat: VoiceChat, message_id: int, query: str = "?audio=parts") -> Any:
    url = f"/voice/chats/{voice_chat.id}/messages/{message_id}/speech{query}"
    return await voice_chat.voice_client.get(url, headers=voice_chat.headers)


async def test_read_aloud_in_parts_streams_pcm_then_caches_the_clip(
    voice_chat: VoiceChat, upstream: Behaviour, app: Flask
) -> None:
    upstream.reply = ("Read this one aloud. " * 20).strip()
    turn = await (await voice_chat.post_audio()).get_data()  # the reply to read (spoken too)
    assert turn
    reply = voice_chat.stored()[-1]
    before = len(spoken_characters(app))

    first = await read_aloud(voice_chat, reply["id"])
    assert first.status_code == 200 and first.mimetype == "text/event-stream"
    assert first.headers["X-Speech-Cache"] == "miss"
    events = parse_events((await first.get_data()).decode())
    parts = [data for name, data in events if name == "audio_part"]
    assert [p["part"] for p in parts] == list(range(len(parts))) and len(parts) > 1
    assert {p["mime_type"] for p in parts} == {"audio/pcm;rate=24000"}
    pcm = b"".join(base64.b64decode(p["audio_base64"]) for p in parts)
    words = reply["content"]
    assert len(pcm) == round(expected_seconds(words) * 24000) * 2
    assert events[-1] == ("done", {"parts": len(parts), "seconds": len(pcm) / 48000})
    assert spoken_characters(app)[before:] == [len(words)]  # charged once, before

    replay = await read_aloud(voice_chat, reply["id"])  # the whole clip, from the cache
    assert replay.headers["X-Speech-Cache"] == "hit" and replay.mimetype == "audio/mpeg"
    assert decoded_seconds(await replay.get_data()) == pytest.approx(len(pcm) / 48000, abs=0.08)
    assert len(spoken_characters(app)) == before + 1


async def test_read_aloud_in_parts_that_breaks_off_says_so_and_gives_the_characters_back(
    voice_chat: VoiceChat, upstream: Behaviour, app: Flask
) -> None:
    upstream.reply = "A reply that will not be read to its end."
    await (await voice_chat.post_audio()).get_data()
    reply = voice_chat.stored()[-1]
    before = spoken_characters(app)
    upstream.realtime.fail_next(RealtimeFailure("drop", after_chunks=2))

    response = await read_aloud(voice_chat, reply["id"])
    events = parse_events((await response.get_data()).decode())
    assert [name for name, _ in events] == ["audio_part", "audio_part", "error"]
    assert events[-1][1]["code"] == 503 and events[-1][1]["errors"]["stage"] == "tts"
    assert spoken_characters(app) == before  # given back

    again = await read_aloud(voice_chat, reply["id"])  # nothing was cached: spoken anew
    assert again.headers["X-Speech-Cache"] == "miss"
    assert parse_events((await again.get_data()).decode())[-1][0] == "done"


async def test_read_aloud_without_parts_is_still_one_file(
    voice_chat: VoiceChat, upstream: Behaviour
) -> None:
    upstream.reply = "Read me whole."
    await (await voice_chat.post_audio()).get_data()
    reply = voice_chat.stored()[-1]
    response = await read_aloud(voice_chat, reply["id"], query="")
    assert response.status_code == 200 and response.mimetype == "audio/mpeg"


async def test_realtime_speech_that_brings_no_audio_is_a_provider_error(
    config: Config, upstream: Behaviour
) -> None:
    # Nothing to say (the fake answers an empty text with no audio delta): both the stream and
    # the whole clip fail with the same error instead of an empty sound.
    speech = OpenAIRealtimeSpeech(config)
    try:
        with pytest.raises(ProviderError, match="no audio"):
            [chunk async for chunk in speech.aspeak_stream("")]
        with pytest.raises(ProviderError, match="no audio"):
            await speech.aspeak("")
    finally:
        await speech.aclose()
