"""Read aloud in parts: a message's speech passed on while it is still being synthesised.

With a speech provider that streams (the Realtime API), a long message would otherwise be
heard only once all of it is synthesised: seconds to tens of seconds. Asked with
`?audio=parts`, a read-aloud that is not cached answers with server-sent events instead:
`audio_part` {part, mime_type, audio_base64} (raw PCM) as it comes, then `done` {seconds}, or
`error` (the envelope; the characters are given back). The whole clip is then encoded once
and cached, so a replay is the usual cached file.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Awaitable, Callable

from quart import Response, request

from shared.auth.access import Caller
from shared.providers.base import ProviderError, StreamingTextToSpeech, pcm_mime_type
from shared.speech.cache import SpeechCache
from shared.turns.failures import provider_failure
from shared.turns.follow import Event
from voice.deps import speech_cache
from voice.streaming import event_stream
from voice.usage import refunder, spoken_recorder

Refund = Callable[[], Awaitable[None]]


def wants_parts() -> bool:
    """The client plays raw PCM parts as they come (`?audio=parts`): for read-aloud and the
    streamed voice turn alike."""
    return request.args.get("audio") == "parts"


async def read_in_parts(
    caller: Caller, tts: StreamingTextToSpeech, words: str, voice: str, key: str
) -> Response:
    """The streamed answer; the characters are charged first (429 while nothing is sent
    yet), the clip is cached under `key` once it is all spoken."""
    ticket, refund = await spoken_recorder(caller)(words), refunder()
    headers = {"Cache-Control": "no-store", "X-Speech-Cache": "miss"}
    parts = _parts(tts, words, voice, (speech_cache(), key), lambda: refund(ticket))
    return event_stream(parts, headers)


async def _parts(
    tts: StreamingTextToSpeech,
    words: str,
    voice: str,
    cache: tuple[SpeechCache, str],
    refund: Refund,
) -> AsyncIterator[Event]:
    mime_type, pcm, count = pcm_mime_type(tts.pcm_rate), bytearray(), 0
    try:
        async for chunk in tts.aspeak_stream(words, voice):
            audio = base64.b64encode(chunk).decode("ascii")
            yield "audio_part", {"part": count, "mime_type": mime_type, "audio_base64": audio}
            count += 1
            pcm += chunk
    except ProviderError as exc:
        await refund()
        yield "error", provider_failure(exc)
        return
    store, key = cache
    await store.put(key, await tts.aclip(bytes(pcm)))
    yield "done", {"parts": count, "seconds": round(len(pcm) / 2 / tts.pcm_rate, 3)}
