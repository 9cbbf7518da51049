"""Read aloud: any stored message of the caller's chat, spoken in the agent's voice."""

from __future__ import annotations

from quart import Blueprint, Response
from quart_schema import document_response, tag

from shared.auth.access import chat_for, message_in_chat
from shared.core.validation import MAX_ID
from shared.limits.ratelimit import reply_checks
from shared.speech.cache import speech_key
from shared.speech.whole import speak_in_full
from voice.auth import current_caller, login_required
from voice.database import db
from voice.deps import app_config, providers, speech_cache
from voice.errors import Problem
from voice.schemas import ErrorOut, SpeechHeaders, SpeechOut
from voice.services import client_ip, throttle

bp = Blueprint("voice_speech", __name__, url_prefix="/voice/chats")
ID = f"int(min=1, max={MAX_ID})"


@bp.get(f"/<{ID}:chat_id>/messages/<{ID}:message_id>/speech")
@tag(["Voice"])
@login_required
@document_response(SpeechOut, 200, SpeechHeaders)
@document_response(ErrorOut, 401)
@document_response(ErrorOut, 404)
@document_response(ErrorOut, 429)
@document_response(ErrorOut, 502)
@document_response(ErrorOut, 503)
@document_response(ErrorOut, 504)
async def get_message_speech(chat_id: int, message_id: int) -> Response:
    """Read a message aloud

    The message (yours or the agent's) spoken in full in the agent's voice, as audio the browser
    can play. Clips are cached per message text, voice and speech engine, so a replay costs no
    second synthesis (`X-Speech-Cache: hit`); only a miss counts against the reply rate limit.
    """
    caller = current_caller()
    chat = await db().scalar(chat_for(caller, chat_id))
    message = await db().scalar(message_in_chat(caller, chat_id, message_id))
    if chat is None or message is None or not message.content.strip():
        raise Problem(404, "Message not found.")
    await db().commit()
    tts, config = providers().tts, app_config()
    voice = chat.agent.voice or config.openai_tts_voice
    key = speech_key(message.id, message.content, voice, engine_name(tts.name))
    audio, state = await speech_cache().get(key), "hit"
    if audio is None:
        await throttle(reply_checks(caller, client_ip()))
        audio, state = await speak_in_full(tts, message.content, voice), "miss"
        await speech_cache().put(key, audio)
    headers = {"Cache-Control": "private, max-age=86400", "X-Speech-Cache": state}
    return Response(audio.data, 200, headers, mimetype=audio.mime_type)


def engine_name(provider: str) -> str:
    """The speech engine behind a provider: another model or engine is another clip."""
    config = app_config()
    return f"{provider}:{config.openai_tts_model}" if provider == "openai" else provider
