"""Read aloud: any stored message of the caller's chat, spoken in the agent's voice."""

from __future__ import annotations

from quart import Blueprint, Response
from quart_schema import document_response, tag

from shared.auth.access import (
    AGENT_UNAVAILABLE,
    AGENT_UNAVAILABLE_MESSAGE,
    Caller,
    chat_for,
    may_use_chat,
    message_in_chat,
)
from shared.core.models import Chat, Message
from shared.core.validation import MAX_ID
from shared.limits.ratelimit import reply_checks
from shared.media.sentences import spoken_text
from shared.providers.base import SpeechAudio, streaming
from shared.speech.cache import speech_key
from shared.speech.whole import speak_in_full
from voice.auth import current_caller, login_required
from voice.database import db
from voice.deps import app_config, providers, speech_cache
from voice.errors import Problem
from voice.readparts import read_in_parts, wants_parts
from voice.schemas import ErrorOut, SpeechHeaders, SpeechOut
from voice.services import client_ip, throttle
from voice.usage import speaking

bp = Blueprint("voice_speech", __name__, url_prefix="/voice/chats")
ID = f"int(min=1, max={MAX_ID})"


@bp.get(f"/<{ID}:chat_id>/messages/<{ID}:message_id>/speech")
@tag(["Voice"])
@login_required
@document_response(SpeechOut, 200, SpeechHeaders)
@document_response(ErrorOut, 401)
@document_response(ErrorOut, 403)
@document_response(ErrorOut, 404)
@document_response(ErrorOut, 422)
@document_response(ErrorOut, 429)
@document_response(ErrorOut, 502)
@document_response(ErrorOut, 503)
@document_response(ErrorOut, 504)
async def get_message_speech(chat_id: int, message_id: int) -> Response:
    """Read a message aloud

    The message (yours or the agent's) spoken in full in the agent's voice, as audio the browser
    can play. Clips are cached per message text, voice and speech engine, so a replay costs no
    second synthesis (`X-Speech-Cache: hit`); a miss counts against the reply rate limit and
    the daily speech allowance (characters, checked before synthesis: 429 `quota`). Only the
    words are spoken, not code blocks, markup or link addresses: none (all code): 422
    `nothing_to_speak`; more than `MAX_SPEECH_CHARS`: 422 `too_long`; agent made private:
    403 `agent_unavailable`. `?audio=parts`: a clip not cached yet, from a provider that
    streams (Realtime API), is `text/event-stream` while synthesised: `audio_part` `{part,
    mime_type, audio_base64}` (16-bit mono PCM), then `done` `{parts, seconds}` or `error`.
    """
    caller = current_caller()
    chat, message = await chat_message(caller, chat_id, message_id)
    words = spoken_text(message.content)
    may_read_aloud(caller, chat, words)
    voice = chat.agent.voice or app_config().openai_tts_voice
    key = speech_key(message.id, words, voice, engine_name(providers().tts.name))
    audio, state = await speech_cache().get(key), "hit"
    if audio is None and wants_parts() and (tts := streaming(providers().tts)):
        await throttle(reply_checks(caller, client_ip()))
        return await read_in_parts(caller, tts, words, voice, key)
    if audio is None:
        audio, state = await synthesized(caller, words, voice), "miss"
        await speech_cache().put(key, audio)
    headers = {"Cache-Control": "private, max-age=86400", "X-Speech-Cache": state}
    return Response(audio.data, 200, headers, mimetype=audio.mime_type)


async def chat_message(caller: Caller, chat_id: int, message_id: int) -> tuple[Chat, Message]:
    """The caller's chat and one of its messages with text (404 otherwise)."""
    chat = await db().scalar(chat_for(caller, chat_id))
    message = await db().scalar(message_in_chat(caller, chat_id, message_id))
    if chat is None or message is None or not message.content.strip():
        raise Problem(404, "Message not found.")
    await db().commit()
    return chat, message


async def synthesized(caller: Caller, words: str, voice: str) -> SpeechAudio:
    """`words` spoken anew: within the reply rate limit, charged first, given back on failure."""
    await throttle(reply_checks(caller, client_ip()))
    config = app_config()
    parallel = (config.tts_parallel_per_request, config.tts_parallel_per_process)
    async with speaking(caller, words):
        return await speak_in_full(providers().tts, words, voice, *parallel)


def may_read_aloud(caller: Caller, chat: Chat, words: str) -> None:
    """403 when the chat's agent is no longer the caller's to use (one access rule for every
    read of a chat's agent), 422 when the message has no words to speak (all code) or more
    than one read-aloud speaks."""
    if not may_use_chat(caller, chat):
        raise Problem(403, AGENT_UNAVAILABLE_MESSAGE, {"reason": AGENT_UNAVAILABLE})
    if not words:
        nothing = "This message has nothing to read aloud: it is all code or formatting."
        raise Problem(422, nothing, {"message": [nothing], "reason": "nothing_to_speak"})
    most = app_config().max_speech_chars
    if len(words) > most:
        limit = f"Messages longer than {most:,} characters are not read aloud."
        raise Problem(422, limit, {"message": [limit], "reason": "too_long"})


def engine_name(provider: str) -> str:
    """The speech engine behind a provider: another model or engine is another clip."""
    config = app_config()
    return f"{provider}:{config.openai_tts_model}" if provider == "openai" else provider
