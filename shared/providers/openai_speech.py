"""Transcription and speech from OpenAI (or any compatible server), through the async SDK."""

from __future__ import annotations

import openai

from shared.core.config import Config
from shared.media.audio import MP3, sniff_container
from shared.providers.base import ProviderError, SpeechAudio
from shared.providers.openai_chat import async_client, client_options, translate_error

# OpenAI's speech endpoint refuses longer input.
OPENAI_TTS_MAX_CHARS = 4096


class OpenAISpeechToText:
    name = "openai"

    def __init__(self, config: Config) -> None:
        self._client = async_client(client_options(config))
        self._model = config.openai_stt_model

    async def atranscribe(self, audio: bytes, filename: str) -> str:
        """The text spoken in `audio`; `filename`'s extension tells the server the container."""
        try:
            result = await self._client.audio.transcriptions.create(
                model=self._model, file=(filename, audio)
            )
        except openai.OpenAIError as exc:
            raise translate_error(exc, "stt") from exc
        return result.text

    async def aclose(self) -> None:
        await self._client.close()


class OpenAITextToSpeech:
    name = "openai"
    max_input_chars = OPENAI_TTS_MAX_CHARS

    def __init__(self, config: Config) -> None:
        self._client = async_client(client_options(config))
        self._model = config.openai_tts_model
        self._voice = config.openai_tts_voice

    async def aspeak(self, text: str, voice: str | None = None) -> SpeechAudio:
        """`text` spoken as MP3 (small enough to send back whole)."""
        try:
            response = await self._client.audio.speech.create(
                model=self._model,
                voice=voice or self._voice,
                input=text,
                response_format="mp3",
            )
            data = await response.aread()
        except openai.OpenAIError as exc:
            raise translate_error(exc, "tts") from exc
        # Trust the bytes, not the label: compatible servers may answer in another format.
        if not data:
            raise ProviderError("The AI provider returned no audio.", stage="tts")
        container = sniff_container(data) or MP3
        return SpeechAudio(data=data, mime_type=container.mime_type, extension=container.extension)

    async def aclose(self) -> None:
        await self._client.close()
