"""The small interfaces the services program against, and the errors every provider raises."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass
from typing import Any, Literal, NotRequired, Protocol, TypedDict, runtime_checkable

Stage = Literal["llm", "stt", "tts", "embed"]


class ChatMessage(TypedDict):
    role: Literal["system", "user", "assistant", "tool"]
    content: str
    # A reply that asked for tools (assistant), and a tool's answer to one of them (tool).
    tool_calls: NotRequired[list[dict[str, Any]]]
    tool_call_id: NotRequired[str]


@dataclass(frozen=True)
class ToolRequest:
    """A function call the model asked for; `arguments` is the JSON text it wrote."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True)
class ChatOptions:
    """What a turn adds to the request: function tools offered, the reasoning effort wanted
    (None: the configured default). `providers/chat_body.py` sends what each model takes."""

    tools: tuple[dict[str, Any], ...] = ()
    reasoning_effort: str | None = None


NO_OPTIONS = ChatOptions()


class ProviderError(Exception):
    """An upstream AI provider failed. `status` is what the client receives (502/503/504)."""

    status = 502
    reason = "failed"

    def __init__(self, message: str, *, stage: Stage, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.stage = stage
        self.retry_after = retry_after


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


@dataclass(frozen=True)
class Usage:
    """Tokens an upstream call used, as the provider reported them (None: not reported)."""

    prompt_tokens: int | None
    completion_tokens: int | None


NO_USAGE = Usage(prompt_tokens=None, completion_tokens=None)


@dataclass(frozen=True)
class ChatResult:
    """A whole reply: its text, the tokens it used and the model that wrote it."""

    text: str
    usage: Usage
    model: str
    tool_calls: tuple[ToolRequest, ...] = ()


class ReplyStream(ABC):
    """A streamed reply: iterate for the text deltas; `usage` and `model` are final at the end."""

    def __init__(self, model: str) -> None:
        self.model = model
        self.usage = NO_USAGE
        # Function calls the model asked for, complete once the text has ended.
        self.tool_calls: list[ToolRequest] = []
        self._iterator: AsyncGenerator[str, None] | None = None

    def __aiter__(self) -> AsyncIterator[str]:
        if self._iterator is None:
            self._iterator = self._pieces()
        return self._iterator

    async def aclose(self) -> None:
        """Close the upstream stream now (also when the reader stopped early)."""
        if self._iterator is not None:
            await self._iterator.aclose()

    @abstractmethod
    def _pieces(self) -> AsyncGenerator[str, None]: ...


class ChatProvider(Protocol):
    """Produces the agent's reply to a conversation."""

    name: str

    def reply(
        self, messages: list[ChatMessage], model: str | None = None, options: ChatOptions = ...
    ) -> ChatResult: ...

    async def areply(
        self, messages: list[ChatMessage], model: str | None = None, options: ChatOptions = ...
    ) -> ChatResult: ...

    def astream(
        self, messages: list[ChatMessage], model: str | None = None, options: ChatOptions = ...
    ) -> ReplyStream: ...


class SpeechToText(Protocol):
    name: str

    async def atranscribe(self, audio: bytes, filename: str) -> str: ...


class TextToSpeech(Protocol):
    name: str
    # Longest text one synthesis call accepts; longer replies are spoken in several parts.
    max_input_chars: int

    async def aspeak(self, text: str, voice: str | None = None) -> SpeechAudio: ...


@runtime_checkable
class StreamingTextToSpeech(TextToSpeech, Protocol):
    """Speech that can be played while it is synthesised: raw PCM, yielded as it arrives."""

    # Mono 16-bit little-endian samples at this rate (`audio/pcm;rate=<pcm_rate>`), every
    # chunk holding whole samples.
    pcm_rate: int

    def aspeak_stream(self, text: str, voice: str | None = None) -> AsyncIterator[bytes]:
        """Raises ProviderError when the synthesis fails or yields no audio at all."""
        ...

    async def aclip(self, pcm: bytes) -> SpeechAudio:
        """Streamed PCM as the file `aspeak` would have returned for it."""
        ...


def streaming(tts: TextToSpeech) -> StreamingTextToSpeech | None:
    """`tts` when its speech can be streamed, else None."""
    return tts if isinstance(tts, StreamingTextToSpeech) else None


def pcm_mime_type(rate: int) -> str:
    return f"audio/pcm;rate={rate}"
