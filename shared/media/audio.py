"""Audio rules shared by the voice service and the speech engines.

Recordings are identified by their bytes (magic numbers) and confirmed by decoding them with
PyAV, never by the client's file name or MIME type. Everything here is blocking: async callers
run it with `asyncio.to_thread`.
"""

from __future__ import annotations

import io
import wave
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Literal, cast

import av
import av.container
import av.error

MONO_S16 = "s16"


@dataclass(frozen=True)
class Container:
    """A recording format the speech providers accept: its file extension and MIME type."""

    extension: str
    mime_type: str


WEBM = Container("webm", "audio/webm")
OGG = Container("ogg", "audio/ogg")
WAV = Container("wav", "audio/wav")
MP3 = Container("mp3", "audio/mpeg")
FLAC = Container("flac", "audio/flac")
MP4 = Container("mp4", "audio/mp4")
M4A = Container("m4a", "audio/mp4")
SUPPORTED = "webm, ogg, wav, mp3, m4a/mp4 or flac"


class InvalidAudio(Exception):
    """The bytes are not a recording we accept. `status` is 415 (unknown) or 422 (undecodable)."""

    reason: str | None = None

    def __init__(self, message: str, status: int = 415) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class RecordingTooLong(InvalidAudio):
    """The recording plays longer than MAX_AUDIO_SECONDS (said by its container or decoded)."""

    reason = "audio_too_long"

    def __init__(self, max_seconds: float) -> None:
        super().__init__(f"The recording is longer than the {max_seconds:g}-second limit.", 413)


def sniff_container(data: bytes) -> Container | None:
    """The container named by the first bytes of `data`, or None when it is no known audio."""
    head = data[:64]
    if head.startswith(b"\x1a\x45\xdf\xa3"):  # EBML: WebM / Matroska
        return WEBM
    if head.startswith(b"OggS"):
        return OGG
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return WAV
    if head.startswith(b"fLaC"):
        return FLAC
    if head[4:8] == b"ftyp":
        return M4A if head[8:11] == b"M4A" else MP4
    if head.startswith(b"ID3") or _is_mp3_frame(head):
        return MP3
    return None


def _is_mp3_frame(head: bytes) -> bool:
    # An MPEG audio frame sync (11 set bits) with layer III.
    return len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06 == 0x02


@dataclass(frozen=True)
class Recording:
    """An uploaded recording checked by `examine_recording`: its bytes, its real container, and
    how long it plays (decoded, what speech-to-text is billed by; None when not counted)."""

    data: bytes
    container: Container
    seconds: float | None


def examine_recording(data: bytes, max_seconds: float | None = None) -> Recording:
    """A real, decodable recording in `data` that plays at most `max_seconds`, with its
    container and the seconds counted while decoding it (one decode checks and measures);
    InvalidAudio (RecordingTooLong) otherwise."""
    if not data:
        raise InvalidAudio("The recording is empty.", status=422)
    container = sniff_container(data)
    if container is None:
        raise InvalidAudio(f"The upload is not a supported audio recording ({SUPPORTED}).")
    decoded = _decoded_seconds(data, max_seconds)
    if decoded is False:
        raise InvalidAudio(
            f"The recording looks like {container.extension} but could not be decoded.",
            status=422,
        )
    seconds = round(decoded, 2) if max_seconds is not None else None
    return Recording(data, container, seconds)


def _decoded_seconds(data: bytes, max_seconds: float | None) -> float | Literal[False]:
    """The seconds of audio PyAV decodes from `data` (False: none). With `max_seconds`, the
    declared duration is checked first, then every frame is decoded and dropped while counting
    samples against the budget, so a highly compressed hour of silence never reaches memory as
    PCM; without, the first frame is enough (0.0 seconds counted)."""
    try:
        with av.open(io.BytesIO(data), mode="r") as media:
            if not media.streams.audio:
                return False
            if max_seconds is not None and _declared_seconds(media) > max_seconds:
                raise RecordingTooLong(max_seconds)
            return _within_budget(media.decode(audio=0), max_seconds)
    except (av.error.FFmpegError, ValueError, OSError):
        return False


def _declared_seconds(media: av.container.InputContainer) -> float:
    """How long the container says the audio plays (0 when it does not say)."""
    stream = media.streams.audio[0]
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    return (media.duration or 0) / av.time_base


def _within_budget(
    frames: Iterator[av.AudioFrame], max_seconds: float | None
) -> float | Literal[False]:
    """Decode `frames` one at a time (none kept); the seconds decoded (False: none),
    RecordingTooLong past the budget. A damaged tail after good audio ends the count rather
    than the recording."""
    seconds, decoded = 0.0, False
    try:
        for frame in frames:
            decoded = True
            if max_seconds is None:
                return seconds
            seconds += frame.samples / (frame.sample_rate or 1)
            if seconds > max_seconds:
                raise RecordingTooLong(max_seconds)
    except (av.error.FFmpegError, ValueError, OSError):
        if not decoded:
            raise
    return seconds if decoded else False


def decode_pcm(data: bytes, rate: int, max_seconds: float | None = None) -> bytes:
    """Any supported recording as mono signed 16-bit little-endian PCM at `rate` Hz;
    RecordingTooLong as soon as the output passes `max_seconds`."""
    budget = None if max_seconds is None else int(max_seconds * rate) * 2
    chunks: list[bytes] = []
    size = 0
    for chunk in _pcm_chunks(data, rate):
        size += len(chunk)
        if budget is not None and size > budget:
            raise RecordingTooLong(cast(float, max_seconds))
        chunks.append(chunk)
    return b"".join(chunks)


def _pcm_chunks(data: bytes, rate: int) -> Iterator[bytes]:
    resampler = av.AudioResampler(format=MONO_S16, layout="mono", rate=rate)
    with av.open(io.BytesIO(data), mode="r") as media:
        for frame in media.decode(audio=0):
            for out in resampler.resample(frame):
                yield bytes(out.to_ndarray().tobytes())
    for out in resampler.resample(None):
        yield bytes(out.to_ndarray().tobytes())


def sample_rate(data: bytes) -> int:
    with av.open(io.BytesIO(data), mode="r") as media:
        return int(media.streams.audio[0].rate or 24000)


def wav_from_pcm(pcm: bytes, rate: int) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm)
    return buffer.getvalue()


def encode_pcm(pcm: bytes, rate: int, container: str, codec: str) -> bytes:
    """Mono s16 PCM encoded with `codec` in `container`, e.g. ("webm", "libopus")."""
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=container) as media:
        stream = media.add_stream(codec, rate=_encoder_rate(codec, rate), layout="mono")
        assert isinstance(stream, av.AudioStream)
        source = av.AudioFrame(format=MONO_S16, layout="mono", samples=len(pcm) // 2)
        source.planes[0].update(pcm)
        source.sample_rate = rate
        size = stream.codec_context.frame_size or 1024
        fifo = av.AudioFifo()
        resampler = av.AudioResampler(format=stream.format, layout="mono", rate=stream.rate)
        for frame in [*resampler.resample(source), *resampler.resample(None)]:
            fifo.write(frame)
        while fifo.samples:
            chunk = fifo.read(min(size, fifo.samples), partial=True)
            if chunk is not None:
                for packet in stream.encode(chunk):
                    media.mux(packet)
        for packet in stream.encode(None):
            media.mux(packet)
    return buffer.getvalue()


def _encoder_rate(codec: str, rate: int) -> int:
    # Opus only runs at these rates; everything else keeps the source rate.
    if codec in ("libopus", "opus") and rate not in (8000, 12000, 16000, 24000, 48000):
        return 48000
    return rate


def join_speech(parts: list[bytes]) -> tuple[bytes, Container]:
    """Several synthesized clips as one playable file, in the first clip's format (WAV or MP3)."""
    first = sniff_container(parts[0]) or WAV
    if len(parts) == 1:
        return parts[0], first
    rate = sample_rate(parts[0])
    pcm = b"".join(decode_pcm(part, rate) for part in parts)
    if first is MP3:
        return encode_pcm(pcm, rate, "mp3", "libmp3lame"), MP3
    return wav_from_pcm(pcm, rate), WAV


async def whole_samples(chunks: AsyncIterator[bytes], width: int = 2) -> AsyncIterator[bytes]:
    """`chunks` of PCM regrouped so each holds whole samples of `width` bytes (a sample split
    across two chunks goes with the second); empty chunks are dropped."""
    carry = b""
    async for chunk in chunks:
        chunk = carry + chunk
        whole = len(chunk) - len(chunk) % width
        chunk, carry = chunk[:whole], chunk[whole:]
        if chunk:
            yield chunk
