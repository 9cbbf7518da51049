"""Speaking a whole text with any speech provider, however long it is."""

from __future__ import annotations

import asyncio

from shared.media.audio import join_speech, split_for_speech
from shared.providers.base import SpeechAudio, TextToSpeech


async def speak_in_full(tts: TextToSpeech, text: str, voice: str) -> SpeechAudio:
    """All of `text` spoken, in parts when it is longer than one synthesis call accepts."""
    parts = split_for_speech(text, tts.max_input_chars)
    clips = await asyncio.gather(*(tts.aspeak(part, voice) for part in parts))
    if len(clips) == 1:
        return clips[0]
    data, kind = await asyncio.to_thread(join_speech, [clip.data for clip in clips])
    return SpeechAudio(data=data, mime_type=kind.mime_type, extension=kind.extension)
