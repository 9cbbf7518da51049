"""Voice turns through the fake OpenAI upstream: every container, users and guests, bad uploads."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

import pytest
from flask.testing import FlaskClient

from shared.media.audio import sniff_container
from tests.fake_openai import Behaviour
from tests.voice.audio import FORMATS, recording
from tests.voice.conftest import OpenVoiceChat, VoiceChat


def transcription_filenames(upstream: Behaviour) -> list[str | None]:
    return [r["filename"] for r in upstream.requests if r["endpoint"] == "transcriptions"]


@pytest.mark.parametrize("fmt", sorted(FORMATS))
async def test_create_voice_message_each_container(
    fmt: str, voice_chat: VoiceChat, upstream: Behaviour
) -> None:
    upstream.transcript = "What is the capital of France?"
    upstream.reply = "Paris is the capital of France. Ça va?"
    # The client's file name and MIME type lie; the bytes decide.
    response = await voice_chat.post_audio(recording(fmt), filename="clip.bin")

    assert response.status_code == 201
    body = await response.get_data()
    assert response.mimetype == "audio/wav" and sniff_container(body) is not None
    assert unquote(response.headers["X-Transcript"]) == "What is the capital of France?"
    assert unquote(response.headers["X-Reply-Text"]) == "Paris is the capital of France. Ça va?"
    assert transcription_filenames(upstream) == [f"audio.{FORMATS[fmt][2]}"]
    stored = voice_chat.stored()
    assert [(m["message_by"], m["content"]) for m in stored] == [
        ("USER", "What is the capital of France?"),
        ("AI", "Paris is the capital of France. Ça va?"),
    ]
    assert response.headers["X-User-Message-Id"] == str(stored[0]["id"])
    assert response.headers["X-AI-Message-Id"] == str(stored[1]["id"])


@pytest.mark.parametrize("fmt", ["webm-opus", "mp4-aac"])
async def test_create_voice_message_as_guest(
    fmt: str, open_voice_chat: OpenVoiceChat, guest: Callable[[], dict[str, Any]]
) -> None:
    chat = open_voice_chat(guest())
    response = await chat.post_audio(recording(fmt), query="?format=json")

    assert response.status_code == 201
    body = await response.get_json()
    assert body["user_message"]["content"] == "hello from the fake transcriber"
    assert body["ai_message"]["message_by"] == "AI"
    assert body["audio_mime_type"] == "audio/wav"
    assert base64.b64decode(body["audio_base64"]).startswith(b"RIFF")
    assert len(chat.stored()) == 2


async def test_create_voice_message_json_when_accepted(voice_chat: VoiceChat) -> None:
    response = await voice_chat.post_audio(extra_headers={"Accept": "application/json"})

    assert response.status_code == 201
    body = await response.get_json()
    assert set(body) == {"user_message", "ai_message", "audio_mime_type", "audio_base64"}
    # The one message wire format, as the API lists it.
    assert set(body["ai_message"]) == {
        "id", "chat_id", "message_by", "content", "created_at", "parent_id", "status",
        "version", "version_count", "model", "usage", "error", "tool_calls", "sources",
    }  # fmt: skip
    assert body["ai_message"]["chat_id"] == voice_chat.id
    assert body["ai_message"]["parent_id"] == body["user_message"]["id"]
    assert body["ai_message"]["status"] == "complete"


def speech_inputs(upstream: Behaviour) -> list[str]:
    return [r["json"]["input"] for r in upstream.requests if r["endpoint"] == "speech"]


async def test_create_voice_message_speaks_only_the_words(
    voice_chat: VoiceChat, upstream: Behaviour
) -> None:
    upstream.reply = (
        "### Answer\n\nUse **`git status`**, see [the book](https://git-scm.com/book).\n\n"
        "```bash\ngit status --short\n```\n\n- It lists *changed* files"
    )
    response = await voice_chat.post_audio()

    assert response.status_code == 201 and response.mimetype == "audio/wav"
    assert unquote(response.headers["X-Reply-Text"]) == upstream.reply  # shown in full
    assert speech_inputs(upstream) == [
        "Answer. Use git status, see the book. It lists changed files"
    ]


async def test_create_voice_message_of_code_alone_keeps_the_reply_unspoken(
    voice_chat: VoiceChat, upstream: Behaviour
) -> None:
    upstream.reply = "```python\nprint('hello')\n```"
    heard = await voice_chat.post_audio()
    as_json = await voice_chat.post_audio(query="?format=json")

    assert heard.status_code == 201 and heard.headers["X-Speech"] == "none"
    assert await heard.get_data() == b"" and heard.mimetype == "text/plain"
    assert unquote(heard.headers["X-Reply-Text"]) == upstream.reply
    body = await as_json.get_json()
    assert as_json.status_code == 201
    assert body["audio_base64"] is None and body["audio_mime_type"] is None
    assert body["ai_message"]["content"] == upstream.reply
    assert body["ai_message"]["status"] == "complete"
    assert speech_inputs(upstream) == []
    assert [m["content"] for m in voice_chat.stored() if m["message_by"] == "AI"] == [
        upstream.reply
    ] * 2


async def test_create_voice_message_uses_agent_voice(
    open_voice_chat: OpenVoiceChat, upstream: Behaviour
) -> None:
    chat = open_voice_chat(name="Narrator", prompt="Speak calmly.", voice="nova")
    response = await chat.post_audio()

    assert response.status_code == 201
    speech = [r["json"] for r in upstream.requests if r["endpoint"] == "speech"]
    assert speech[0]["voice"] == "nova"
    chat_request = next(r["json"] for r in upstream.requests if r["endpoint"] == "chat")
    assert chat_request["messages"][0] == {"role": "developer", "content": "Speak calmly."}


async def test_create_voice_message_in_others_chat_not_found(
    voice_chat: VoiceChat,
    register: Callable[..., dict[str, Any]],
    guest: Callable[[], dict[str, Any]],
    upstream: Behaviour,
) -> None:
    for headers in (register("mallory")["headers"], guest()["headers"]):
        response = await voice_chat.post_audio(headers=headers)
        assert response.status_code == 404
        assert (await response.get_json())["message"] == "Chat not found."
    assert upstream.requests == []


async def test_create_voice_message_without_token_unauthorized(voice_chat: VoiceChat) -> None:
    response = await voice_chat.post_audio(headers={})

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    body = await response.get_json()
    assert body["code"] == 401 and body["status"] == "Unauthorized"


async def test_create_voice_message_with_revoked_or_refresh_token_unauthorized(
    voice_chat: VoiceChat, client: FlaskClient
) -> None:
    refresh = {"Authorization": f"Bearer {voice_chat.login['refresh_token']}"}
    assert (await voice_chat.post_audio(headers=refresh)).status_code == 401
    assert client.post("/api/auth/logout", headers=voice_chat.headers).status_code == 204

    response = await voice_chat.post_audio()

    assert response.status_code == 401
    assert (await response.get_json())["message"] == "The token has been revoked."


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"this is a text file, not a recording\n" * 20, 415),
        (b"", 422),
        (b"\x1a\x45\xdf\xa3" + b"\x00" * 500, 422),  # WebM magic, but nothing decodable
    ],
    ids=["text-named-webm", "empty", "corrupt-webm"],
)
async def test_create_voice_message_not_audio_rejected(
    data: bytes, status: int, voice_chat: VoiceChat, upstream: Behaviour
) -> None:
    response = await voice_chat.post_audio(data, filename="voice.webm")

    assert response.status_code == status
    body = await response.get_json()
    assert body["code"] == status and "audio" in body["errors"]
    assert upstream.requests == []
    assert voice_chat.stored() == []


async def test_create_voice_message_without_file_rejected(
    voice_chat: VoiceChat, upstream: Behaviour
) -> None:
    path, headers = f"/voice/chats/{voice_chat.id}/messages", voice_chat.headers
    as_json = await voice_chat.voice_client.post(path, headers=headers, json={"audio": "x"})
    no_field = await voice_chat.voice_client.post(path, headers=headers, form={"other": "x"})

    assert as_json.status_code == 415
    assert no_field.status_code == 415  # url-encoded form: not multipart
    assert upstream.requests == []


async def test_create_voice_message_over_25_mib_too_large(
    voice_chat: VoiceChat, upstream: Behaviour
) -> None:
    response = await voice_chat.post_audio(b"\0" * (25 * 1024 * 1024 + 1))

    assert response.status_code == 413
    assert (await response.get_json())[
        "message"
    ] == "The recording is larger than the 25 MiB limit."
    assert upstream.requests == []


async def test_voice_turn_huge_chat_id_is_404(voice_client: Any, guest_headers: Any) -> None:
    response = await voice_client.post(
        f"/voice/chats/{2**80}/messages/stream", json={"content": "hi"}, headers=guest_headers
    )
    assert response.status_code == 404
    assert (await response.get_json())["code"] == 404
