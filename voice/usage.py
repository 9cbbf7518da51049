"""Speech calls of a voice turn written to the usage ledger (seconds heard, characters spoken)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from shared.auth.access import Caller
from shared.core.models import UsageKind
from shared.usage.speech import arecord, recording_seconds, speech_event, speech_model
from voice.deps import app_config, providers, sessions
from voice.services import client_ip


async def record_heard(caller: Caller, recording: bytes) -> None:
    seconds = await asyncio.to_thread(recording_seconds, recording)
    model = speech_model(app_config(), UsageKind.STT, providers().stt.name)
    await arecord(
        sessions(), speech_event(caller, client_ip(), UsageKind.STT, model, seconds=seconds)
    )


async def record_spoken(caller: Caller, text: str) -> None:
    await spoken_recorder(caller)(text)


def spoken_recorder(caller: Caller) -> Callable[[str], Awaitable[None]]:
    """Records the characters of each text spoken for `caller`; bound now, so it also works
    in a streamed body that runs after the request."""
    store, ip = sessions(), client_ip()
    model = speech_model(app_config(), UsageKind.TTS, providers().tts.name)

    async def record(text: str) -> None:
        event = speech_event(caller, ip, UsageKind.TTS, model, characters=len(text))
        await arecord(store, event)

    return record
