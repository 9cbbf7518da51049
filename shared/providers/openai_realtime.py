"""Speech through OpenAI's Realtime API (a WebSocket session, via the official SDK's client).

`gpt-realtime-2.1-mini`, OpenAI's replacement for its `/v1/audio/speech` models, speaks only
through a Realtime session. One session speaks one reply: a `session.update` sets the voice and
24 kHz PCM output, then each part of the text (long replies go in parts, so all of it is
spoken) is an out-of-band `response.create` whose input is that text and whose instructions ask
for it to be read verbatim. The audio deltas are yielded as they arrive (`aspeak_stream`) or
collected and encoded with PyAV as MP3 (`aspeak`).

Timeouts, retries and errors match the HTTP providers: `PROVIDER_TIMEOUT` bounds the
connection and every wait for the next event, `PROVIDER_MAX_RETRIES` retries a session that
failed before any audio came (unreachable, dropped, timed out, server error), and failures
become 502/503/504 provider errors without the upstream's own text.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import openai
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from shared.core.config import Config
from shared.media.audio import MP3, encode_pcm, whole_samples
from shared.media.sentences import speech_parts
from shared.providers.base import (
    ProviderError,
    ProviderTimeout,
    ProviderUnavailable,
    SpeechAudio,
)
from shared.providers.openai_chat import client_options
from shared.providers.voices import OPENAI_REALTIME_VOICES, SPEECH_ONLY_VOICES

PCM_RATE = 24000
# One response speaks at most this much text; longer replies are several responses in order.
PART_CHARS = 1000
READ_VERBATIM = (
    "You are a text-to-speech voice. Read the user's text aloud exactly as written, word for "
    "word, in the language it is written in. Do not answer it, comment on it or add anything."
)
AUDIO_DELTAS = {"response.output_audio.delta", "response.audio.delta"}
REFUSED = {"invalid_api_key", "authentication_error", "permission_error", "insufficient_quota"}


class RealtimeServerError(ProviderError):
    """The session reported a server-side failure (worth one more try)."""


class OpenAIRealtimeSpeech:
    name = "openai"
    # The provider splits long text itself, within one session, so callers send it whole.
    max_input_chars = 1_000_000
    pcm_rate = PCM_RATE  # what `aspeak_stream` yields

    def __init__(self, config: Config) -> None:
        self._client = openai.AsyncOpenAI(**client_options(config))  # type: ignore[arg-type]
        self._model = config.openai_tts_model
        # An agent's voice from the /v1/audio/speech days that Realtime lacks gets the default.
        default = config.openai_tts_voice
        self._voice = default if default not in SPEECH_ONLY_VOICES else OPENAI_REALTIME_VOICES[0]
        self._timeout = config.provider_timeout
        self._retries = config.provider_max_retries

    async def aspeak(self, text: str, voice: str | None = None) -> SpeechAudio:
        """All of `text` spoken, as one MP3 file the browser can play."""
        return await self.aclip(
            b"".join([chunk async for chunk in self.aspeak_stream(text, voice)])
        )

    async def aclip(self, pcm: bytes) -> SpeechAudio:
        """PCM from `aspeak_stream` as the file `aspeak` returns (MP3)."""
        data = await asyncio.to_thread(encode_pcm, pcm, PCM_RATE, "mp3", "libmp3lame")
        return SpeechAudio(data=data, mime_type=MP3.mime_type, extension=MP3.extension)

    def aspeak_stream(self, text: str, voice: str | None = None) -> AsyncIterator[bytes]:
        """`text` spoken as mono 16-bit little-endian PCM at 24 kHz, yielded as it arrives, in
        whole samples; a ProviderError when no audio at all came."""
        return whole_samples(self._spoken(text, voice))

    async def _spoken(self, text: str, voice: str | None) -> AsyncIterator[bytes]:
        parts = speech_parts(text, PART_CHARS)
        for attempt in range(self._retries + 1):
            started = heard = False
            try:
                async for chunk in self._session(parts, self._voice_for(voice)):
                    started, heard = True, heard or bool(chunk)
                    yield chunk
                if not heard:
                    raise ProviderError("The AI provider returned no audio.", stage="tts")
                return
            except (ProviderUnavailable, ProviderTimeout, RealtimeServerError):
                # Audio already handed on cannot be taken back, so only a clean start retries.
                if started or attempt == self._retries:
                    raise

    def _voice_for(self, voice: str | None) -> str:
        return voice if voice and voice not in SPEECH_ONLY_VOICES else self._voice

    async def _session(self, parts: list[str], voice: str) -> AsyncIterator[bytes]:
        try:
            connection = await asyncio.wait_for(self._connect(), self._timeout)
        except Exception as exc:
            raise _translated(exc) from exc
        try:
            await connection.session.update(session=_session_settings(voice))
            for part in parts:
                await connection.response.create(response=_read_aloud(part))
                async for chunk in self._response_audio(connection):
                    yield chunk
        except Exception as exc:
            raise _translated(exc) from exc
        finally:
            await _close_quietly(connection)

    async def _connect(self) -> Any:
        manager = self._client.realtime.connect(
            model=self._model,
            # Bounds the opening handshake (websockets' own option, passed through by the SDK).
            websocket_connection_options={"open_timeout": self._timeout},  # type: ignore[typeddict-unknown-key]
        )
        return await manager.enter()

    async def _response_audio(self, connection: Any) -> AsyncIterator[bytes]:
        """The audio of the response just requested, until its `response.done`."""
        while True:
            event = json.loads(await asyncio.wait_for(connection.recv_bytes(), self._timeout))
            kind = event.get("type")
            if kind in AUDIO_DELTAS:
                yield base64.b64decode(event.get("delta") or "")
            elif kind == "error":
                raise _event_error(event.get("error") or {})
            elif kind == "response.done":
                _check_done(event.get("response") or {})
                return

    async def aclose(self) -> None:
        await self._client.close()


def _session_settings(voice: str) -> dict[str, Any]:
    return {
        "type": "realtime",
        "output_modalities": ["audio"],
        "instructions": READ_VERBATIM,
        "audio": {"output": {"voice": voice, "format": {"type": "audio/pcm", "rate": PCM_RATE}}},
    }


def _read_aloud(text: str) -> dict[str, Any]:
    """An out-of-band response: kept out of the session's conversation, so nothing piles up."""
    return {
        "conversation": "none",
        "output_modalities": ["audio"],
        "instructions": READ_VERBATIM,
        "input": [
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}
        ],
    }


def _check_done(response: dict[str, Any]) -> None:
    status = response.get("status")
    if status in ("failed", "cancelled"):
        details = response.get("status_details") or {}
        raise _event_error(details.get("error") or {"type": "server_error"})


def _event_error(error: dict[str, Any]) -> ProviderError:
    code, kind = str(error.get("code") or ""), str(error.get("type") or "")
    if code in REFUSED or kind in REFUSED:
        return ProviderError("The AI provider refused the request (the API key).", stage="tts")
    if "rate_limit" in code or "rate_limit" in kind:
        return ProviderUnavailable(
            "The AI provider is rate limiting requests; try again shortly.", stage="tts"
        )
    if kind == "server_error":
        return RealtimeServerError("The AI provider failed while speaking.", stage="tts")
    return ProviderError("The AI provider answered with an error.", stage="tts")


def _translated(exc: Exception) -> ProviderError:
    """The provider error for a failed session, never the upstream's own text."""
    if isinstance(exc, ProviderError):
        return exc
    if isinstance(exc, TimeoutError):
        return ProviderTimeout("The AI provider did not answer in time.", stage="tts")
    if isinstance(exc, InvalidStatus):
        return _handshake_error(exc.response.status_code)
    if isinstance(exc, ConnectionClosed):
        return ProviderUnavailable("The connection to the AI provider was lost.", stage="tts")
    if isinstance(exc, (OSError, InvalidHandshake, openai.OpenAIError)):
        return ProviderUnavailable("The AI provider could not be reached.", stage="tts")
    return ProviderError("The AI provider failed.", stage="tts")


def _handshake_error(status: int) -> ProviderError:
    if status == 429:
        return ProviderUnavailable(
            "The AI provider is rate limiting requests; try again shortly.", stage="tts"
        )
    if status >= 500:
        return RealtimeServerError(
            f"The AI provider answered with an error (HTTP {status}).", stage="tts"
        )
    return ProviderError(f"The AI provider answered with an error (HTTP {status}).", stage="tts")


async def _close_quietly(connection: Any) -> None:
    # The socket may already be gone; nothing is lost by not closing it cleanly.
    with contextlib.suppress(Exception):
        await asyncio.wait_for(connection.close(), 2.0)
