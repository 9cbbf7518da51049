"""The small interfaces the services program against, and the errors every provider raises."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Literal, Protocol, TypedDict

Stage = Literal["llm", "stt", "tts"]


class ChatMessage(TypedDict):
    role: Literal["system", "user", "assistant"]
    content: str


class ProviderError(Exception):
    """An upstream AI provider failed. `status` is what the client receives (502/503/504)."""

    status = 502
    reason = "failed"

    def __init__(self, message: str, *, stage: Stage, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.stage = stage
        self.retry_after = retry_after
        # Set by the turn logic when the user's message was stored before the failure.
        self.kept_message_id: int | None = None


class ProviderUnavailable(ProviderError):
    """The provider could not be reached or said it is overloaded / rate limited."""

    status = 503
    reason = "unavailable"


class ProviderTimeout(ProviderError):
    status = 504
    reason = "timed out"


@dataclass(frozen=True)
class SpeechAudio:
    data: bytes
    mime_type: str
    extension: str


class ChatProvider(Protocol):
    """Produces the agent's reply to a conversation."""

    name: str

    def reply(self, messages: list[ChatMessage], model: str | None = None) -> str: ...

    async def areply(self, messages: list[ChatMessage], model: str | None = None) -> str: ...

    def astream(
        self, messages: list[ChatMessage], model: str | None = None
    ) -> AsyncIterator[str]: ...


class SpeechToText(Protocol):
    name: str

    async def atranscribe(self, audio: bytes, filename: str) -> str: ...


class TextToSpeech(Protocol):
    name: str
    # Longest text one synthesis call accepts; longer replies are spoken in several parts.
    max_input_chars: int

    async def aspeak(self, text: str, voice: str | None = None) -> SpeechAudio: ...
