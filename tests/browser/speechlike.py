"""A speech-like WAV for Chromium's fake microphone in conversation-mode tests: vowels made of a
glottal pulse train through three formant resonators, four syllables a second, each utterance
followed by silence. Silero VAD scores it as speech (about 0.95 per frame) and a pure tone as
not (below 0.15), so it exercises the real detector; espeak-ng is not needed.
"""

from __future__ import annotations

import io
import math
import struct
import wave

RATE = 16000
SYLLABLE_SECONDS = 0.25
# Formants (Hz, bandwidth Hz) of four vowels (/a/, /i/, /o/, /u/-like), one per syllable.
VOWELS = (
    ((700, 80), (1220, 90), (2600, 120)),
    ((300, 60), (2300, 100), (3000, 120)),
    ((500, 70), (900, 80), (2500, 120)),
    ((350, 60), (800, 80), (2400, 120)),
)


def resonate(signal: list[float], freq: float, bandwidth: float) -> list[float]:
    """A two-pole resonator (one formant)."""
    radius = math.exp(-math.pi * bandwidth / RATE)
    a1, a2 = 2 * radius * math.cos(2 * math.pi * freq / RATE), -radius * radius
    out, y1, y2 = [], 0.0, 0.0
    for x in signal:
        y = (1 - radius) * x + a1 * y1 + a2 * y2
        out.append(y)
        y1, y2 = y, y1
    return out


def syllable(index: int) -> list[float]:
    count = int(SYLLABLE_SECONDS * RATE)
    pitch = 110 + 20 * math.sin(index)  # intonation moves from syllable to syllable
    phase, pulses = 0.0, []
    for i in range(count):
        phase += pitch * (1 + 0.05 * math.sin(2 * math.pi * 5 * i / RATE)) / RATE
        pulses.append(1.0 if phase >= 1 else 0.0)
        phase %= 1
    voiced = [0.0] * count
    for freq, bandwidth in VOWELS[index % len(VOWELS)]:
        for i, y in enumerate(resonate(pulses, freq, bandwidth)):
            voiced[i] += y
    return [v * math.sin(math.pi * i / count) ** 0.5 for i, v in enumerate(voiced)]


def utterance(seconds: float) -> list[float]:
    samples = [s for k in range(round(seconds / SYLLABLE_SECONDS)) for s in syllable(k)]
    peak = max(abs(s) for s in samples)
    return [0.5 * s / peak for s in samples]


def speech_then_silence(speech_seconds: float, silence_seconds: float) -> bytes:
    """One utterance then silence, as 16-bit mono WAV (the fake microphone loops it)."""
    samples = utterance(speech_seconds) + [0.0] * int(silence_seconds * RATE)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(b"".join(struct.pack("<h", int(s * 32767)) for s in samples))
    return buffer.getvalue()
