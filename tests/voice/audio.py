"""Real recordings made at test time with PyAV, in every container browsers and users send."""

from __future__ import annotations

import math
import struct

from shared.media.audio import encode_pcm

# name → (FFmpeg muxer, encoder, extension the STT provider must be told)
FORMATS: dict[str, tuple[str, str, str]] = {
    "webm-opus": ("webm", "libopus", "webm"),  # Chrome / Firefox MediaRecorder
    "mp4-aac": ("mp4", "aac", "mp4"),  # Safari MediaRecorder
    "m4a-aac": ("ipod", "aac", "m4a"),
    "ogg-opus": ("ogg", "libopus", "ogg"),
    "wav": ("wav", "pcm_s16le", "wav"),
    "mp3": ("mp3", "libmp3lame", "mp3"),
    "flac": ("flac", "flac", "flac"),
}
RATE = 16000


def tone_pcm(seconds: float = 0.6, rate: int = RATE) -> bytes:
    return b"".join(
        struct.pack("<h", int(6000 * math.sin(2 * math.pi * 330 * i / rate)))
        for i in range(int(seconds * rate))
    )


def recording(name: str = "webm-opus", pcm: bytes | None = None, rate: int = RATE) -> bytes:
    muxer, codec, _extension = FORMATS[name]
    return encode_pcm(pcm if pcm is not None else tone_pcm(rate=rate), rate, muxer, codec)
