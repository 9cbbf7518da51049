"""Streamed voice turns: the reply is spoken sentence by sentence while it is written."""

from __future__ import annotations

import asyncio
import base64
import io
from collections.abc import Callable
from typing import Any

import av
import pytest
from flask.testing import FlaskClient
from quart import Quart
from quart.typing import TestClientProtocol as VoiceClient

from shared.core.config import Config
from tests.fake_openai import Behaviour, Failure
from tests.voice.audio import recording
from tests.voice.conftest import Headers, stored_messages, upload
from tests.voice.test_streaming import parse_events
from tests.waiting import eventually
from voice import deps

PostAudio = Callable[..., Any]
Chat = tuple[Headers, dict[str, Any]]
EVENTS = {"Accept": "text/event-stream"}
FIVE = (
    "Paris is the capital of France. It has about two million people. "
    "The Seine runs through it. Dr. Smith lives there. It is lovely in May."
)
SENTENCES = [
    "Paris is the capital of France.",
    "It has about two million people.",
    "The Seine runs through it.",
    "Dr. Smith lives there.",
    "It is lovely in May.",
]


def seconds_of(clip: bytes) -> float:
    with av.open(io.BytesIO(clip)) as container:
        stream = container.streams.audio[0]
        return sum(frame.samples for frame in container.decode(stream)) / stream.rate


async def streamed_turn(post_audio: PostAudio, chat: Chat) -> list[tuple[str, dict[str, Any]]]:
    headers, found = chat
    response = await post_audio(found["id"], headers, extra_headers=EVENTS)
    assert response.status_code == 200, await response.get_data()
    assert response.mimetype == "text/event-stream"
    return parse_events((await response.get_data()).decode())


async def test_stream_voice_turn_transcript_deltas_audio_then_done(
    post_audio: PostAudio, user_chat: Chat, upstream: Behaviour, client: FlaskClient
) -> None:
    upstream.transcript = "Tell me about Paris."
    upstream.reply = FIVE
    events = await streamed_turn(post_audio, user_chat)

    names = [name for name, _ in events]
    assert names[0] == "transcript" and names[-1] == "done"
    assert events[0][1]["user_message"]["content"] == "Tell me about Paris."
    assert "".join(d["content"] for n, d in events if n == "delta") == FIVE
    audio = [data for name, data in events if name == "audio"]
    assert [a["seq"] for a in audio] == [1, 2, 3, 4, 5]
    assert [a["text"] for a in audio] == SENTENCES  # "Dr." did not end a sentence
    for clip in audio:
        assert clip["mime_type"] == "audio/wav"
        assert seconds_of(base64.b64decode(clip["audio_base64"])) == pytest.approx(0.5, rel=0.05)
    spoken = [r["json"]["input"] for r in upstream.requests if r["endpoint"] == "speech"]
    assert sorted(spoken) == sorted(SENTENCES)  # each sentence synthesised once, whole
    done = events[-1][1]
    assert done["unspoken"] == [] and "speech_error" not in done
    stored = stored_messages(client, user_chat[1]["id"], user_chat[0])
    assert [(m["message_by"], m["content"], m["status"]) for m in stored] == [
        ("USER", "Tell me about Paris.", "complete"),
        ("AI", FIVE, "complete"),
    ]
    assert done["ai_message"]["id"] == stored[1]["id"]


async def test_stream_voice_turn_speaks_before_the_reply_is_written(
    post_audio: PostAudio, user_chat: Chat, upstream: Behaviour
) -> None:
    upstream.reply = FIVE
    upstream.stream_chunk_delay = 0.05  # slow tokens: the reply takes about a second to write
    events = await streamed_turn(post_audio, user_chat)
    names = [name for name, _ in events]
    last_delta = len(names) - 1 - names[::-1].index("delta")
    assert names.index("audio") < last_delta


async def test_stream_voice_turn_speech_failure_keeps_the_text_and_names_the_sentence(
    voice_app: Quart, user_chat: Chat, upstream: Behaviour, client: FlaskClient
) -> None:
    deps.services_of(voice_app).config = deps.services_of(voice_app).config.replace(
        tts_max_in_flight=1  # one at a time, so the third synthesis call is sentence 3
    )
    upstream.reply = FIVE
    upstream.fail_next("speech", None, None, Failure(status=500))  # type: ignore[arg-type]
    headers, chat = user_chat
    response = await voice_app.test_client().post(
        f"/voice/chats/{chat['id']}/messages",
        headers={**headers, **EVENTS},
        files={"audio": upload(recording())},
    )
    events = parse_events((await response.get_data()).decode())

    assert [d["seq"] for n, d in events if n == "audio"] == [1, 2, 4, 5]
    assert [d for n, d in events if n == "audio_error"] == [{"seq": 3, "text": SENTENCES[2]}]
    name, done = events[-1]
    assert name == "done" and done["unspoken"] == [3]
    assert done["speech_error"]["errors"]["stage"] == "tts"
    assert stored_messages(client, chat["id"], headers)[-1]["content"] == FIVE


async def test_stream_voice_turn_reply_failure_keeps_the_question(
    post_audio: PostAudio, user_chat: Chat, upstream: Behaviour, client: FlaskClient
) -> None:
    upstream.transcript = "Will this work?"
    upstream.fail_next("chat", Failure(status=500))
    events = await streamed_turn(post_audio, user_chat)

    assert [name for name, _ in events] == ["transcript", "error"]
    error = events[-1][1]
    assert error["code"] == 502 and error["errors"]["stage"] == "llm"
    question, reply = stored_messages(client, user_chat[1]["id"], user_chat[0])
    assert question["content"] == "Will this work?"
    assert reply["status"] == "failed" and error["errors"]["user_message_id"] == question["id"]


async def test_stream_voice_turn_client_leaves_the_reply_is_still_stored(
    voice_client: VoiceClient, user_chat: Chat, upstream: Behaviour, client: FlaskClient
) -> None:
    upstream.reply = FIVE
    upstream.stream_chunk_delay = 0.05
    headers, chat = user_chat
    boundary = "voiceboundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="audio"; filename="a.webm"\r\n'
            "Content-Type: audio/webm\r\n\r\n"
        ).encode()
        + recording()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    async with voice_client.request(
        f"/voice/chats/{chat['id']}/messages",
        method="POST",
        headers={
            **headers,
            **EVENTS,
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    ) as connection:
        await connection.send(body)
        await connection.send_complete()
        first = await asyncio.wait_for(connection.receive(), timeout=10)
        assert first.startswith(b"event: transcript")
        await connection.disconnect()

    def finished() -> list[dict[str, Any]] | None:
        stored = stored_messages(client, chat["id"], headers)
        return stored if stored[-1]["status"] != "pending" else None

    question, reply = await eventually(finished)
    assert question["content"] == upstream.transcript
    assert (reply["status"], reply["content"]) == ("complete", FIVE)


async def test_stream_voice_turn_silence_is_a_json_error_and_stores_nothing(
    post_audio: PostAudio, user_chat: Chat, upstream: Behaviour, client: FlaskClient
) -> None:
    upstream.transcript = "   "
    headers, chat = user_chat
    response = await post_audio(chat["id"], headers, extra_headers=EVENTS)
    assert response.status_code == 422
    assert (await response.get_json())["message"] == "No speech detected."
    assert stored_messages(client, chat["id"], headers) == []


@pytest.fixture
def voice_config(config: Config) -> Config:
    return config
