"""What a voice turn stores when a stage fails, silence, long replies and oversized uploads."""

from __future__ import annotations

import io
import wave
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import encode_multipart

from shared.core.config import Config
from tests.fake_openai import Behaviour, Failure
from tests.voice.audio import recording
from tests.voice.conftest import VoiceChat, assert_turn_failed_at, upload
from tests.waiting import eventually
from voice import create_app


@pytest.mark.parametrize(
    ("failure", "status"),
    [
        (Failure(500), 502),
        (Failure(429, headers={"Retry-After": "7"}), 503),
        (Failure(hang=3), 504),
    ],
    ids=["error", "rate-limited", "timeout"],
)
async def test_create_voice_message_stt_fails_stores_nothing(
    failure: Failure, status: int, voice_chat: VoiceChat, upstream: Behaviour
) -> None:
    upstream.fail_next("transcriptions", failure)
    response = await voice_chat.post_audio()

    assert response.status_code == status
    body = await response.get_json()
    assert body["errors"]["stage"] == "stt" and "user_message_id" not in body["errors"]
    assert "fake failure" not in body["message"]
    if status == 503:
        assert response.headers["Retry-After"] == "7"
    assert voice_chat.stored() == []


async def test_create_voice_message_llm_fails_keeps_user_message_and_api_retry_answers(
    voice_chat: VoiceChat, upstream: Behaviour, client: FlaskClient
) -> None:
    upstream.fail_next("chat", Failure(502))
    response = await voice_chat.post_audio()

    assert response.status_code == 502
    body = await assert_turn_failed_at(response, voice_chat, "llm")
    assert [m["status"] for m in voice_chat.stored()] == ["complete", "failed"]
    retry = f"/api/chats/{voice_chat.id}/messages/retry"
    assert body["errors"]["retry"] == f"POST {retry}"

    assert client.post(retry, headers=voice_chat.headers).status_code == 201
    assert [(m["message_by"], m["status"]) for m in voice_chat.stored()] == [
        ("USER", "complete"),
        ("AI", "complete"),
    ]


async def test_create_voice_message_tts_fails_keeps_both_messages(
    voice_chat: VoiceChat, upstream: Behaviour
) -> None:
    upstream.fail_next("speech", Failure(500))
    response = await voice_chat.post_audio()

    assert response.status_code == 502
    await assert_turn_failed_at(response, voice_chat, "tts")


@pytest.mark.parametrize("transcript", ["", "   \n "])
async def test_create_voice_message_silence_unprocessable(
    transcript: str, voice_chat: VoiceChat, upstream: Behaviour
) -> None:
    upstream.transcript = transcript
    response = await voice_chat.post_audio()

    assert response.status_code == 422
    assert (await response.get_json())["message"] == "No speech detected."
    assert [r["endpoint"] for r in upstream.requests] == ["transcriptions"]
    assert voice_chat.stored() == []


def wav_seconds(data: bytes) -> float:
    with wave.open(io.BytesIO(data)) as clip:
        return clip.getnframes() / clip.getframerate()


async def test_create_voice_message_long_reply_spoken_in_full(
    voice_chat: VoiceChat, upstream: Behaviour
) -> None:
    sentence = "This sentence is part of a very long answer that goes on and on. "
    upstream.reply = (sentence * 150).strip()  # ~9,900 characters: three speech calls
    response = await voice_chat.post_audio()

    assert response.status_code == 201
    inputs = [r["json"]["input"] for r in upstream.requests if r["endpoint"] == "speech"]
    assert len(inputs) == 3 and all(len(text) <= 4096 for text in inputs)
    assert all(text.endswith("on and on.") for text in inputs)
    assert " ".join(inputs) == upstream.reply
    # Each fake clip is a 0.5 s tone; the answer is all three, joined.
    assert wav_seconds(await response.get_data()) == pytest.approx(1.5, abs=0.05)


@pytest.fixture
def voice_config(config: Config) -> Config:
    return config.replace(max_audio_bytes=200_000)


async def test_create_voice_message_oversize_too_large(
    voice_chat: VoiceChat, upstream: Behaviour
) -> None:
    just_over = await voice_chat.post_audio(b"RIFF" + b"\0" * 200_000)
    far_over = await voice_chat.post_audio(b"\0" * 2_000_000)

    for response in (just_over, far_over):
        assert response.status_code == 413
        body = await response.get_json()
        assert body["code"] == 413 and "MiB limit" in body["message"]
    assert upstream.requests == []
    assert voice_chat.stored() == []


async def test_default_audio_limit_is_25_mib(config: Config) -> None:
    app = create_app(config)
    assert app.config["MAX_CONTENT_LENGTH"] > 25 * 1024 * 1024 == config.max_audio_bytes


async def test_voice_turn_client_disconnects_midway_reply_still_stored(
    voice_chat: VoiceChat, upstream: Behaviour
) -> None:
    upstream.latency = 1.0  # transcription answers after 1 s, the reply after 2 s
    boundary, body = encode_multipart({"audio": upload(recording())})
    async with voice_chat.voice_client.request(
        f"/voice/chats/{voice_chat.id}/messages",
        method="POST",
        headers={**voice_chat.headers, "Content-Type": f"multipart/form-data; boundary={boundary}"},
    ) as connection:
        await connection.send(body)
        await connection.send_complete()
        await eventually(lambda: len(upstream.requests) == 2)  # the reply is being written
        await connection.disconnect()
    assert [r["endpoint"] for r in upstream.requests] == ["transcriptions", "chat"]

    def finished() -> list[dict[str, Any]] | None:
        stored = voice_chat.stored()
        return stored if stored and stored[-1]["status"] != "pending" else None

    question, reply = await eventually(finished)
    assert question["content"] == upstream.transcript
    assert (reply["status"], reply["content"]) == ("complete", f"Echo: {upstream.transcript}")
