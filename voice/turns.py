"""A voice turn: transcribe, store the user's words, reply, store the reply, speak it.

The request's session commits before every upstream call, so no database connection is held
while a provider works. What is stored when a stage fails:
STT → nothing; LLM → the USER message (retry with the API); TTS → both messages.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from shared.access import Caller, chat_for
from shared.audio import Container, join_speech, split_for_speech
from shared.conversation import HistoryBudget, model_context, new_message, recent_messages
from shared.models import Chat, Message, MessageBy
from shared.providers.base import ProviderError, SpeechAudio, TextToSpeech
from shared.validation import bounded_text
from voice.database import db
from voice.errors import Problem, SpeechFailed
from voice.services import providers
from voice.settings import app_config


@dataclass(frozen=True)
class VoiceTurn:
    user_message: Message
    ai_message: Message
    speech: SpeechAudio


def message_json(message: Message) -> dict[str, Any]:
    """A stored message as the API shows it."""
    return {
        "id": message.id,
        "chat_id": message.chat_id,
        "message_by": message.message_by.value,
        "content": message.content,
        "created_at": message.created_at.isoformat(),
    }


async def chat_or_404(caller: Caller, chat_id: int) -> Chat:
    chat = await db().scalar(chat_for(caller, chat_id))
    if chat is None:
        raise Problem(404, "Chat not found.")
    await db().commit()
    return chat


async def voice_turn(caller: Caller, chat: Chat, recording: bytes, kind: Container) -> VoiceTurn:
    """Answer a recording with a spoken reply, storing both sides of the conversation."""
    transcript = await providers().stt.atranscribe(recording, f"audio.{kind.extension}")
    if not transcript.strip():
        raise Problem(422, "No speech detected.", {"audio": ["No speech detected."]})
    content = bounded_text("message", transcript.strip(), app_config().max_message_chars)
    user_message = await store(caller, chat, MessageBy.USER, content)
    ai_message = await answer(caller, chat, user_message)
    try:
        speech = await speak(providers().tts, ai_message.content, chat.agent.voice)
    except ProviderError as exc:
        raise SpeechFailed(exc, user_message.id, ai_message.id) from exc
    return VoiceTurn(user_message, ai_message, speech)


async def store(caller: Caller, chat: Chat, by: MessageBy, content: str) -> Message:
    message = new_message(chat, caller, by, content)
    db().add(message)
    await db().commit()
    return message


def history_budget() -> HistoryBudget:
    config = app_config()
    return HistoryBudget(config.history_max_messages, config.history_budget_chars)


async def answer(caller: Caller, chat: Chat, user_message: Message) -> Message:
    """Ask the provider to answer the chat's newest history and store its reply."""
    budget = history_budget()
    history = (await db().scalars(recent_messages(chat.id, budget.max_messages))).all()
    context = model_context(chat.agent.prompt, history, budget)
    await db().commit()  # hold no connection during the upstream call
    try:
        reply = await providers().chat.areply(context, chat.agent.model)
    except ProviderError as exc:
        exc.kept_message_id = user_message.id
        raise
    return await store(caller, chat, MessageBy.AI, reply)


async def speak(tts: TextToSpeech, text: str, voice: str | None) -> SpeechAudio:
    """All of `text` spoken, in parts when it is longer than one synthesis call accepts."""
    voice = voice or app_config().openai_tts_voice
    parts = split_for_speech(text, tts.max_input_chars)
    clips = await asyncio.gather(*(tts.aspeak(part, voice) for part in parts))
    if len(clips) == 1:
        return clips[0]
    data, kind = await asyncio.to_thread(join_speech, [clip.data for clip in clips])
    return SpeechAudio(data=data, mime_type=kind.mime_type, extension=kind.extension)
