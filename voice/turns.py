"""A voice turn: transcribe, reply, store both messages, speak the reply.

What is stored when a stage fails: STT → nothing; LLM → the USER message alone (retry with the
API); TTS → both messages. A client that disconnects before the reply is stored leaves nothing.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from shared import quotas
from shared.access import Caller, chat_for
from shared.audio import Container, join_speech, split_for_speech
from shared.conversation import HistoryBudget
from shared.models import Chat, Message
from shared.providers.base import ProviderError, SpeechAudio, TextToSpeech
from shared.validation import bounded_text, has_text, trimmed
from voice.database import db, sessions
from voice.errors import Problem, SpeechFailed
from voice.services import client_ip, providers
from voice.settings import app_config
from voice.storage import PendingTurn, keep_question, pending_turn, store_turn
from voice.usage import record_heard, record_spoken


@dataclass(frozen=True)
class VoiceTurn:
    user_message: Message
    ai_message: Message
    speech: SpeechAudio


async def chat_or_404(caller: Caller, chat_id: int) -> Chat:
    chat = await db().scalar(chat_for(caller, chat_id))
    if chat is None:
        raise Problem(404, "Chat not found.")
    await db().commit()
    return chat


def history_budget() -> HistoryBudget:
    config = app_config()
    return HistoryBudget(config.history_max_messages, config.history_budget_chars)


async def voice_turn(caller: Caller, chat: Chat, recording: bytes, kind: Container) -> VoiceTurn:
    """Answer a recording with a spoken reply, storing both sides of the conversation."""
    ticket = await quotas.acheck(sessions(), app_config(), caller, client_ip(), chat.agent.model)
    try:
        return await answer_recording(caller, chat, recording, kind, ticket)
    except Exception:
        await quotas.arelease(sessions(), ticket)  # a no-op once the reply was charged
        raise


async def answer_recording(
    caller: Caller, chat: Chat, recording: bytes, kind: Container, ticket: quotas.Ticket
) -> VoiceTurn:
    transcript = await providers().stt.atranscribe(recording, f"audio.{kind.extension}")
    await record_heard(caller, recording)
    if not has_text(transcript):
        raise Problem(422, "No speech detected.", {"audio": ["No speech detected."]})
    content = bounded_text("message", trimmed(transcript), app_config().max_message_chars)
    turn = await pending_turn(db(), caller, chat, content, history_budget())
    user_message, ai_message = await answer(turn, ticket)
    try:
        speech = await speak(providers().tts, ai_message.content, chat.agent.voice)
    except ProviderError as exc:
        raise SpeechFailed(exc, user_message.id, ai_message.id) from exc
    await record_spoken(caller, ai_message.content)
    return VoiceTurn(user_message, ai_message, speech)


async def answer(turn: PendingTurn, ticket: quotas.Ticket) -> tuple[Message, Message]:
    """The provider's reply, stored with the question; on failure the question alone is kept."""
    try:
        result = await providers().chat.areply(turn.context, turn.model)
    except ProviderError as exc:
        exc.kept_message_id = await keep_question(sessions(), turn)
        raise
    stored = await store_turn(sessions(), turn, result.text)
    used = quotas.spent(turn.context, result.text, result.usage, result.model)
    await quotas.acharge(sessions(), ticket, used)
    if stored is None:
        raise Problem(404, "Chat not found.")
    return stored


async def speak(tts: TextToSpeech, text: str, voice: str | None) -> SpeechAudio:
    """All of `text` spoken, in parts when it is longer than one synthesis call accepts."""
    voice = voice or app_config().openai_tts_voice
    parts = split_for_speech(text, tts.max_input_chars)
    clips = await asyncio.gather(*(tts.aspeak(part, voice) for part in parts))
    if len(clips) == 1:
        return clips[0]
    data, kind = await asyncio.to_thread(join_speech, [clip.data for clip in clips])
    return SpeechAudio(data=data, mime_type=kind.mime_type, extension=kind.extension)
