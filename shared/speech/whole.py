"""Speaking a whole text with any speech provider, however long it is."""

from __future__ import annotations

import asyncio
import weakref

from shared.media.audio import join_speech
from shared.media.sentences import speech_parts
from shared.providers.base import SpeechAudio, TextToSpeech

# Synthesis calls at once in this process (per event loop), whatever the requests: a long
# text's parts queue here instead of all going upstream at once.
_process_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


def process_slots(size: int) -> asyncio.Semaphore:
    """This process's synthesis slots (sized by the first caller)."""
    loop = asyncio.get_running_loop()
    if loop not in _process_slots:
        _process_slots[loop] = asyncio.Semaphore(max(size, 1))
    return _process_slots[loop]


async def speak_in_full(
    tts: TextToSpeech, text: str, voice: str, per_request: int = 4, per_process: int = 8
) -> SpeechAudio:
    """All of `text` spoken, in parts when it is longer than one synthesis call accepts, at
    most `per_request` parts at once (and `per_process` calls at once in the process)."""
    parts = speech_parts(text, tts.max_input_chars)
    mine, shared = asyncio.Semaphore(max(per_request, 1)), process_slots(per_process)

    async def speak(part: str) -> SpeechAudio:
        async with mine, shared:
            return await tts.aspeak(part, voice)

    clips = await asyncio.gather(*(speak(part) for part in parts))
    if len(clips) == 1:
        return clips[0]
    data, kind = await asyncio.to_thread(join_speech, [clip.data for clip in clips])
    return SpeechAudio(data=data, mime_type=kind.mime_type, extension=kind.extension)
