"""Offline speech engines (requirements-speech.txt): a spoken round trip with no network.

Whisper is the default offline transcriber (tests/voice/test_whisper.py); pocketsphinx stays
as the fallback when Whisper is not installed, and is tested here on its own.
"""

from __future__ import annotations

import importlib.util
from typing import Any
from urllib.parse import unquote

import pytest
from flask.testing import FlaskClient
from quart import Quart

from shared.core.config import Config
from shared.media.audio import decode_pcm, encode_pcm, sniff_container
from shared.providers import offline_speech
from shared.providers.offline_speech import PiperTextToSpeech, PocketsphinxSpeechToText
from tests.voice.conftest import Headers, stored_messages, upload
from voice import create_app

ENGINES = offline_speech.offline_engines()
needs_engines = pytest.mark.skipif(
    ENGINES["stt"] is None or ENGINES["tts"] != "piper",
    reason="offline engines not installed: pip install -r requirements-speech.txt",
)
needs_pocketsphinx = pytest.mark.skipif(
    importlib.util.find_spec("pocketsphinx") is None or ENGINES["tts"] != "piper",
    reason="pocketsphinx or piper not installed: pip install -r requirements-speech.txt",
)
SENTENCE = "I would like a cup of coffee please."


def words(text: str) -> set[str]:
    return {w.strip(".,?!").lower() for w in text.split()}


@pytest.fixture
def offline_config(config: Config) -> Config:
    # No key: offline speech; replies from the labelled responder (not a local model).
    return config.replace(openai_api_key="", llm_provider="offline")


@needs_pocketsphinx
async def test_pocketsphinx_round_trip_sentence() -> None:
    spoken = await PiperTextToSpeech().aspeak(SENTENCE)
    recording = encode_pcm(decode_pcm(spoken.data, 16000), 16000, "webm", "libopus")
    heard = await PocketsphinxSpeechToText().atranscribe(recording, "audio.webm")

    assert spoken.mime_type == "audio/wav"
    assert len(words(heard) & words(SENTENCE)) >= 0.7 * len(words(SENTENCE))


@needs_engines
async def test_create_voice_message_offline(
    offline_config: Config,
    user_chat: tuple[Headers, dict[str, Any]],
    client: FlaskClient,
) -> None:
    headers, chat = user_chat
    spoken = await PiperTextToSpeech().aspeak(SENTENCE)
    recording = encode_pcm(decode_pcm(spoken.data, 48000), 48000, "webm", "libopus")
    app = create_app(offline_config)
    async with app.test_app():
        response = await app.test_client().post(
            f"/voice/chats/{chat['id']}/messages",
            headers=headers,
            files={"audio": upload(recording)},
        )
        health = await (await app.test_client().get("/voice/health")).get_json()

    assert response.status_code == 201, await response.get_data()
    transcript = unquote(response.headers["X-Transcript"])
    assert len(words(transcript) & words(SENTENCE)) >= 0.7 * len(words(SENTENCE))
    assert "[Offline mode]" in unquote(response.headers["X-Reply-Text"])
    assert sniff_container(await response.get_data()) is not None
    assert response.mimetype == "audio/wav"
    assert [m["message_by"] for m in stored_messages(client, chat["id"], headers)] == [
        "USER",
        "AI",
    ]
    assert health["providers"]["stt_engine"] == ENGINES["stt"]
    assert health["providers"]["tts_engine"] == "piper"


async def test_create_voice_message_offline_engine_missing_unavailable(
    offline_config: Config,
    user_chat: tuple[Headers, dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
    client: FlaskClient,
) -> None:
    monkeypatch.setattr(offline_speech, "offline_engines", lambda: {"stt": None, "tts": None})
    headers, chat = user_chat
    app: Quart = create_app(offline_config)
    async with app.test_app():
        response = await app.test_client().post(
            f"/voice/chats/{chat['id']}/messages",
            headers=headers,
            files={"audio": upload(encode_pcm(b"\0" * 32000, 16000, "wav", "pcm_s16le"))},
        )
        health = await (await app.test_client().get("/voice/health")).get_json()

    assert response.status_code == 503
    body = await response.get_json()
    assert "requirements-speech.txt" in body["message"] and body["errors"]["stage"] == "stt"
    assert health["providers"]["stt_engine"] == "none"
    assert stored_messages(client, chat["id"], headers) == []


@needs_pocketsphinx
async def test_pocketsphinx_transcribes_when_whisper_is_missing(
    offline_config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(offline_speech, "whisper_installed", lambda: False)
    app = create_app(offline_config)
    async with app.test_app():
        health = await (await app.test_client().get("/voice/health")).get_json()

    assert health["providers"]["stt_engine"] == "pocketsphinx"
    assert health["offline_engines"]["stt"] == "pocketsphinx"
