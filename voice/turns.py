"""A voice turn: transcribe, store the question, write the reply, speak it.

What a failure leaves stored: STT → nothing; LLM → the question and the reply as `failed`
(retry with the API); TTS → both messages, the reply complete. A client that goes away
mid-turn leaves the reply to be written and stored complete on the server. Only the reply's
words are spoken (no code, no Markdown); a reply with none (all code) stands unspoken.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from shared.auth.access import (
    AGENT_UNAVAILABLE,
    AGENT_UNAVAILABLE_MESSAGE,
    Caller,
    chat_for,
    may_use_chat,
)
from shared.core.db import aon_its_own
from shared.core.models import Chat, Message
from shared.core.text_limits import within_limit
from shared.core.validation import has_text, trimmed
from shared.media.audio import Recording
from shared.media.sentences import spoken_text
from shared.providers.base import ProviderError, SpeechAudio, TextToSpeech
from shared.speech.whole import speak_in_full
from shared.turns import store
from shared.turns.failures import Kept, TurnFailed
from shared.turns.generation import launch, spoken
from shared.usage.speech_budgets import SpeechQuotaExceeded
from voice.database import db
from voice.deps import app_config, providers, writer
from voice.errors import Problem
from voice.storage import history_budget
from voice.turnstart import prefetched, reserved
from voice.usage import SpeechRefused, hearing, speaking


@dataclass(frozen=True)
class VoiceTurn:
    user_message: Message
    ai_message: Message
    speech: SpeechAudio | None  # None: the reply has no words to speak (all code)


async def chat_or_404(caller: Caller, chat_id: int) -> Chat:
    await aon_its_own(db())  # one read: no BEGIN and COMMIT of its own
    chat = await db().scalar(chat_for(caller, chat_id))
    if chat is None:
        raise Problem(404, "Chat not found.")
    if not may_use_chat(caller, chat):
        raise Problem(403, AGENT_UNAVAILABLE_MESSAGE, {"reason": AGENT_UNAVAILABLE})
    await db().commit()
    return chat


async def transcribed(caller: Caller, recording: Recording) -> str:
    """What the recording says, within the message limit (422 when it says nothing); the
    seconds heard go to the caller's ledger either way."""
    name = f"audio.{recording.container.extension}"
    async with hearing(caller, recording.seconds):  # charged before, given back if it fails
        transcript = await providers().stt.atranscribe(recording.data, name)
    if not has_text(transcript):
        raise Problem(
            422, "No speech detected.", {"audio": ["No speech detected."], "reason": "no_speech"}
        )
    return within_limit("message", trimmed(transcript), app_config().max_message_chars)


async def voice_turn(caller: Caller, chat: Chat, recording: Recording) -> VoiceTurn:
    """Answer a recording with a spoken reply, storing both sides of the conversation."""
    async with reserved(caller) as reservation:  # checked before the recording is transcribed
        content = await transcribed(caller, recording)
        await prefetched(chat.id, content)
        turn = await reservation.begin(store.begin_ask, caller, chat.id, content, history_budget())
    # Shielded: a client that goes away does not cancel the reply, only the wait for it.
    written = await asyncio.shield(launch(writer(), spoken(turn)))
    kept = Kept(chat.id, turn.user_message.id, written.reply.id)
    if written.error is not None:
        raise TurnFailed(written.error, kept)
    words = spoken_text(written.reply.content)
    if not words:
        return VoiceTurn(turn.user_message, written.reply, None)
    try:
        async with speaking(caller, words):
            speech = await speak(providers().tts, words, chat.agent.voice)
    except ProviderError as exc:
        raise TurnFailed(exc, kept) from exc
    except SpeechQuotaExceeded as spent:  # the reply is kept; only its speech is refused
        raise TurnFailed(SpeechRefused(spent.message, stage="tts"), kept) from spent
    return VoiceTurn(turn.user_message, written.reply, speech)


async def speak(tts: TextToSpeech, text: str, voice: str | None) -> SpeechAudio:
    """All of `text` spoken in the agent's voice (or the default one)."""
    config = app_config()
    voice = voice or config.openai_tts_voice
    parallel = (config.tts_parallel_per_request, config.tts_parallel_per_process)
    return await speak_in_full(tts, text, voice, *parallel)
