"""Offline Whisper speech-to-text: spoken sentences come back word for word, in every format."""

from __future__ import annotations

import asyncio
import difflib
import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from shared.core.config import Config
from shared.media.audio import decode_pcm, encode_pcm
from shared.providers.offline_speech import PiperTextToSpeech, offline_engines
from shared.providers.whisper_stt import WhisperSpeechToText, whisper_installed
from tests.voice.conftest import Headers, stored_messages, upload
from voice import create_app

pytestmark = pytest.mark.skipif(
    not whisper_installed() or offline_engines()["tts"] != "piper",
    reason="offline engines not installed: make install-dev",
)

SENTENCES = (
    "Hello there.",
    "What is the capital of France?",
    "I would like a cup of coffee please.",
    "Hello, I would like to book a table for two people tomorrow evening at seven.",
    "The weather is sunny and warm today, so we are going to walk along the river after "
    "lunch and then visit the old library near the market square.",
)
# name → (FFmpeg muxer, encoder, extension); what browsers and users upload.
FORMATS = {
    "wav": ("wav", "pcm_s16le", "wav"),
    "webm-opus": ("webm", "libopus", "webm"),
    "ogg-opus": ("ogg", "libopus", "ogg"),
    "mp4-aac": ("mp4", "aac", "mp4"),
}
RATE = 48000


def words(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower())


def share_of_words_heard(said: str, heard: str) -> float:
    """The share of the spoken words found, in order, in the transcript."""
    expected = words(said)
    matcher = difflib.SequenceMatcher(a=expected, b=words(heard), autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()) / len(expected)


@pytest.fixture(scope="module")
def spoken() -> dict[str, bytes]:
    """Each sentence spoken by piper, as 48 kHz mono PCM (the rate browsers record at)."""
    voice = PiperTextToSpeech()
    return {sentence: decode_pcm(voice.speak(sentence), RATE) for sentence in SENTENCES}


@pytest.mark.parametrize("name", FORMATS)
async def test_transcribe_spoken_sentences(name: str, spoken: dict[str, bytes]) -> None:
    muxer, codec, extension = FORMATS[name]
    stt = WhisperSpeechToText()
    for sentence, pcm in spoken.items():
        heard = await stt.atranscribe(encode_pcm(pcm, RATE, muxer, codec), f"audio.{extension}")
        assert share_of_words_heard(sentence, heard) >= 0.9, (name, sentence, heard)


async def test_transcribe_silence_is_empty() -> None:
    silence = encode_pcm(b"\0" * RATE * 2 * 2, RATE, "webm", "libopus")  # two seconds
    assert await WhisperSpeechToText().atranscribe(silence, "audio.webm") == ""


async def test_transcribe_many_at_once_with_one_slot(spoken: dict[str, bytes]) -> None:
    stt = WhisperSpeechToText(concurrency=1)
    sentences = SENTENCES[1:4]
    recordings = [encode_pcm(spoken[s], RATE, "wav", "pcm_s16le") for s in sentences]
    heard = await asyncio.gather(*(stt.atranscribe(r, "audio.wav") for r in recordings))
    for sentence, transcript in zip(sentences, heard, strict=True):
        assert share_of_words_heard(sentence, transcript) >= 0.9, (sentence, transcript)


@pytest.fixture
def whisper_config(config: Config) -> Config:
    """No key: Whisper transcribes, piper speaks; replies from the labelled offline responder."""
    return config.replace(openai_api_key="", llm_provider="offline")


async def test_create_voice_message_with_whisper(
    whisper_config: Config,
    user_chat: tuple[Headers, dict[str, Any]],
    client: FlaskClient,
    spoken: dict[str, bytes],
) -> None:
    headers, chat = user_chat
    sentence = SENTENCES[3]
    recording = encode_pcm(spoken[sentence], RATE, "webm", "libopus")
    app = create_app(whisper_config)
    async with app.test_app():
        response = await app.test_client().post(
            f"/voice/chats/{chat['id']}/messages",
            headers=headers,
            files={"audio": upload(recording)},
        )
        health = await (await app.test_client().get("/voice/health")).get_json()

    assert response.status_code == 201, await response.get_data()
    user_message = stored_messages(client, chat["id"], headers)[0]
    assert user_message["message_by"] == "USER"
    assert share_of_words_heard(sentence, user_message["content"]) >= 0.9, user_message
    assert health["providers"]["stt_engine"] == "whisper"
    assert health["offline_engines"]["stt"] == "whisper"


async def test_create_voice_message_silence_with_whisper_is_422(
    whisper_config: Config, user_chat: tuple[Headers, dict[str, Any]], client: FlaskClient
) -> None:
    headers, chat = user_chat
    silence = encode_pcm(b"\0" * RATE * 2 * 2, RATE, "webm", "libopus")
    app = create_app(whisper_config)
    async with app.test_app():
        response = await app.test_client().post(
            f"/voice/chats/{chat['id']}/messages", headers=headers, files={"audio": upload(silence)}
        )

    assert response.status_code == 422
    assert (await response.get_json())["message"] == "No speech detected."
    assert stored_messages(client, chat["id"], headers) == []
