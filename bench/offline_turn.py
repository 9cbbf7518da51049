"""The offline voice turn: Whisper transcription + the local reply model + piper speech.

A 5-second webm/opus recording (piper speaking a question, padded with silence to 5.0 s, as a
browser would record it) goes through the same provider objects the voice service uses, stage
by stage, in one process, with the models already loaded (their one-off load time is printed
apart). Prints the median of each stage over the runs; asserts nothing.

    python -m bench.offline_turn [--runs 5]      (`make bench` runs it after the service table)
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from dataclasses import dataclass

from shared.core.config import Config
from shared.media.audio import decode_pcm, encode_pcm
from shared.providers.base import ChatMessage
from shared.providers.local_llm import LOCAL_MODEL_NAME, LocalChat, local_llm_installed
from shared.providers.offline_speech import PiperTextToSpeech, offline_engines
from shared.providers.whisper_stt import WhisperSpeechToText, whisper_installed

QUESTION = "Hello, could you tell me what the weather is usually like in Paris in the spring?"
RATE = 48000
SECONDS = 5.0
PROMPT = "You are a friendly voice assistant. Answer in one or two short sentences."


@dataclass(frozen=True)
class TurnTimes:
    stt: float
    first_token: float
    reply: float
    tts: float
    transcript: str
    reply_text: str

    @property
    def total(self) -> float:
        return self.stt + self.reply + self.tts


def five_second_recording(tts: PiperTextToSpeech) -> bytes:
    pcm = decode_pcm(tts.speak(QUESTION), RATE)
    wanted = int(SECONDS * RATE) * 2
    pcm = pcm[:wanted].ljust(wanted, b"\0")
    return encode_pcm(pcm, RATE, "webm", "libopus")


async def one_turn(
    stt: WhisperSpeechToText, chat: LocalChat, tts: PiperTextToSpeech, audio: bytes
) -> TurnTimes:
    started = time.perf_counter()
    transcript = await stt.atranscribe(audio, "audio.webm")
    heard = time.perf_counter()
    context: list[ChatMessage] = [
        {"role": "system", "content": PROMPT},
        {"role": "user", "content": transcript},
    ]
    pieces: list[str] = []
    first = heard
    async for piece in chat.astream(context):
        if not pieces:
            first = time.perf_counter()
        pieces.append(piece)
    replied = time.perf_counter()
    reply = "".join(pieces)
    await tts.aspeak(reply)
    spoken = time.perf_counter()
    return TurnTimes(
        heard - started, first - heard, replied - heard, spoken - replied, transcript, reply
    )


def timed_load(load: object) -> float:
    started = time.perf_counter()
    if callable(load):
        load()
    return time.perf_counter() - started


async def measure(runs: int) -> tuple[list[TurnTimes], dict[str, float]]:
    config = Config(local_llm_max_tokens=96)
    stt, chat, tts = WhisperSpeechToText(), LocalChat(config), PiperTextToSpeech()
    audio = five_second_recording(tts)  # also loads piper
    loads = {
        "whisper": timed_load(lambda: stt.transcribe(audio)),
        "reply": timed_load(lambda: chat.reply([{"role": "user", "content": "Hi"}])),
    }
    return [await one_turn(stt, chat, tts, audio) for _ in range(runs)], loads


def report(times: list[TurnTimes], loads: dict[str, float]) -> str:
    def med(values: list[float]) -> str:
        return f"{statistics.median(values) * 1000:.0f} ms"

    rows = [
        ("speech to text (Whisper tiny.en, int8)", med([t.stt for t in times])),
        (f"reply, first token ({LOCAL_MODEL_NAME})", med([t.first_token for t in times])),
        ("reply, complete (≤ 96 tokens)", med([t.reply for t in times])),
        ("speech (piper, the whole reply)", med([t.tts for t in times])),
        ("**offline voice turn, 5 s recording**", med([t.total for t in times])),
    ]
    lines = ["| offline stage | median |", "|---|---|", *(f"| {a} | {b} |" for a, b in rows)]
    lines.append(
        f"\nModels loaded once per process: Whisper {loads['whisper'] * 1000:.0f} ms, "
        f"{LOCAL_MODEL_NAME} {loads['reply'] * 1000:.0f} ms (first call, not in the figures "
        "above); "
        f"{len(times)} runs.\nHeard: {times[-1].transcript!r}\nReplied: {times[-1].reply_text!r}"
    )
    return "\n".join(lines)


def offline_turn_table(runs: int) -> str:
    """The table, or why it cannot be measured here."""
    if not whisper_installed() or offline_engines()["tts"] != "piper":
        return "Offline voice turn: not measured (make install: the offline speech engines)."
    if not local_llm_installed():
        return "Offline voice turn: not measured (make install LOCAL_LLM=1: the local model)."
    return report(*asyncio.run(measure(runs)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    print(offline_turn_table(parser.parse_args().runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
