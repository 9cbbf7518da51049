"""What a voice turn stores when a stage fails, silence, long replies and oversized uploads."""

from __future__ import annotations

import io
import wave
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from quart import Quart
from quart.typing import TestClientProtocol as VoiceClient
from werkzeug.test import encode_multipart

from shared.config import Config
from tests.fake_openai import Behaviour, Failure
from tests.voice.audio import recording
from tests.voice.conftest import Headers, stored_messages, upload
from tests.waiting import eventually
from voice import create_app

PostAudio = Callable[..., Any]


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
    failure: Failure,
    status: int,
    post_audio: PostAudio,
    user_chat: tuple[Headers, dict[str, Any]],
    upstream: Behaviour,
    client: FlaskClient,
) -> None:
    headers, chat = user_chat
    upstream.fail_next("transcriptions", failure)
    response = await post_audio(chat["id"], headers)

    assert response.status_code == status
    body = await response.get_json()
    assert body["errors"]["stage"] == "stt" and "user_message_id" not in body["errors"]
    assert "fake failure" not in body["message"]
    if status == 503:
        assert response.headers["Retry-After"] == "7"
    assert stored_messages(client, chat["id"], headers) == []


async def test_create_voice_message_llm_fails_keeps_user_message_and_api_retry_answers(
    post_audio: PostAudio,
    user_chat: tuple[Headers, dict[str, Any]],
    upstream: Behaviour,
    client: FlaskClient,
) -> None:
    headers, chat = user_chat
    upstream.fail_next("chat", Failure(502))
    response = await post_audio(chat["id"], headers)

    assert response.status_code == 502
    body = await response.get_json()
    stored = stored_messages(client, chat["id"], headers)
    assert [(m["message_by"], m["status"]) for m in stored] == [
        ("USER", "complete"),
        ("AI", "failed"),
    ]
    assert body["errors"]["stage"] == "llm"
    assert body["errors"]["user_message_id"] == stored[0]["id"]
    assert body["errors"]["ai_message_id"] == stored[1]["id"]
    assert body["errors"]["retry"] == f"POST /api/chats/{chat['id']}/messages/retry"

    retried = client.post(f"/api/chats/{chat['id']}/messages/retry", headers=headers)
    assert retried.status_code == 201
    assert [
        (m["message_by"], m["status"]) for m in stored_messages(client, chat["id"], headers)
    ] == [
        ("USER", "complete"),
        ("AI", "complete"),
    ]


async def test_create_voice_message_tts_fails_keeps_both_messages(
    post_audio: PostAudio,
    user_chat: tuple[Headers, dict[str, Any]],
    upstream: Behaviour,
    client: FlaskClient,
) -> None:
    headers, chat = user_chat
    upstream.fail_next("speech", Failure(500))
    response = await post_audio(chat["id"], headers)

    assert response.status_code == 502
    body = await response.get_json()
    stored = stored_messages(client, chat["id"], headers)
    assert [m["message_by"] for m in stored] == ["USER", "AI"]
    assert body["errors"]["stage"] == "tts"
    assert body["errors"]["user_message_id"] == stored[0]["id"]
    assert body["errors"]["ai_message_id"] == stored[1]["id"]


@pytest.mark.parametrize("transcript", ["", "   \n "])
async def test_create_voice_message_silence_unprocessable(
    transcript: str,
    post_audio: PostAudio,
    user_chat: tuple[Headers, dict[str, Any]],
    upstream: Behaviour,
    client: FlaskClient,
) -> None:
    headers, chat = user_chat
    upstream.transcript = transcript
    response = await post_audio(chat["id"], headers)

    assert response.status_code == 422
    assert (await response.get_json())["message"] == "No speech detected."
    assert [r["endpoint"] for r in upstream.requests] == ["transcriptions"]
    assert stored_messages(client, chat["id"], headers) == []


def wav_seconds(data: bytes) -> float:
    with wave.open(io.BytesIO(data)) as clip:
        return clip.getnframes() / clip.getframerate()


async def test_create_voice_message_long_reply_spoken_in_full(
    post_audio: PostAudio,
    user_chat: tuple[Headers, dict[str, Any]],
    upstream: Behaviour,
) -> None:
    headers, chat = user_chat
    sentence = "This sentence is part of a very long answer that goes on and on. "
    upstream.reply = (sentence * 150).strip()  # ~9,900 characters: three speech calls
    response = await post_audio(chat["id"], headers)

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
    voice_app: Quart,
    user_chat: tuple[Headers, dict[str, Any]],
    upstream: Behaviour,
    client: FlaskClient,
) -> None:
    headers, chat = user_chat
    path = f"/voice/chats/{chat['id']}/messages"
    test_client = voice_app.test_client()
    just_over = await test_client.post(
        path, headers=headers, files={"audio": upload(b"RIFF" + b"\0" * 200_000)}
    )
    far_over = await test_client.post(
        path, headers=headers, files={"audio": upload(b"\0" * 2_000_000)}
    )

    for response in (just_over, far_over):
        assert response.status_code == 413
        body = await response.get_json()
        assert body["code"] == 413 and "MiB limit" in body["message"]
    assert upstream.requests == []
    assert stored_messages(client, chat["id"], headers) == []


async def test_default_audio_limit_is_25_mib(config: Config) -> None:
    app = create_app(config)
    assert app.config["MAX_CONTENT_LENGTH"] > 25 * 1024 * 1024 == config.max_audio_bytes


async def test_voice_turn_client_disconnects_midway_reply_still_stored(
    voice_client: VoiceClient,
    user_chat: tuple[Headers, dict[str, Any]],
    upstream: Behaviour,
    client: FlaskClient,
) -> None:
    headers, chat = user_chat
    upstream.latency = 1.0  # transcription answers after 1 s, the reply after 2 s
    boundary, body = encode_multipart({"audio": upload(recording())})
    async with voice_client.request(
        f"/voice/chats/{chat['id']}/messages",
        method="POST",
        headers={**headers, "Content-Type": f"multipart/form-data; boundary={boundary}"},
    ) as connection:
        await connection.send(body)
        await connection.send_complete()
        await eventually(lambda: len(upstream.requests) == 2)  # the reply is being written
        await connection.disconnect()
    assert [r["endpoint"] for r in upstream.requests] == ["transcriptions", "chat"]

    def finished() -> list[dict[str, Any]] | None:
        stored = stored_messages(client, chat["id"], headers)
        return stored if stored and stored[-1]["status"] != "pending" else None

    question, reply = await eventually(finished)
    assert question["content"] == upstream.transcript
    assert (reply["status"], reply["content"]) == ("complete", f"Echo: {upstream.transcript}")
