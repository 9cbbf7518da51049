"""Replies from OpenAI or any OpenAI-compatible server, through the official `openai` SDK."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterable
from typing import Any, cast

import openai

from shared.core.config import Config
from shared.providers.aio_transport import async_http_client
from shared.providers.base import (
    NO_OPTIONS,
    ChatMessage,
    ChatOptions,
    ChatResult,
    ProviderError,
    ProviderTimeout,
    ProviderUnavailable,
    ReplyStream,
    Stage,
    ToolRequest,
    Usage,
)
from shared.providers.chat_body import chat_body
from shared.providers.keepalive import KeepAliveTransport


def client_options(config: Config) -> dict[str, object]:
    """Deliberate timeouts and retries: a short connect timeout, a bounded read, few retries."""
    return {
        "api_key": config.openai_api_key,
        "base_url": config.openai_base_url or None,
        "timeout": openai.Timeout(
            config.provider_timeout, connect=min(5.0, config.provider_timeout)
        ),
        "max_retries": config.provider_max_retries,
    }


def async_client(options: dict[str, object]) -> openai.AsyncOpenAI:
    """The SDK's asyncio client on the lean transport (shared/providers/aio_transport.py)."""
    return openai.AsyncOpenAI(**options, http_client=async_http_client())  # type: ignore[arg-type]


def translate_error(exc: openai.OpenAIError, stage: Stage) -> ProviderError:
    """Map an SDK error to the provider error the client sees (never the upstream's own text)."""
    if isinstance(exc, openai.APITimeoutError):
        return ProviderTimeout("The AI provider did not answer in time.", stage=stage)
    if isinstance(exc, openai.RateLimitError):
        return ProviderUnavailable(
            "The AI provider is rate limiting requests; try again shortly.",
            stage=stage,
            retry_after=_retry_after(exc),
        )
    if isinstance(exc, openai.APIConnectionError):
        return ProviderUnavailable("The AI provider could not be reached.", stage=stage)
    if isinstance(exc, openai.APIStatusError):
        return ProviderError(
            f"The AI provider answered with an error (HTTP {exc.status_code}).", stage=stage
        )
    return ProviderError("The AI provider failed.", stage=stage)


def _retry_after(exc: openai.APIStatusError) -> float | None:
    raw = exc.response.headers.get("retry-after")
    try:
        return max(0.0, float(raw)) if raw is not None else None
    except ValueError:
        return None


# Posted through the SDK's generic `post` (same retries, timeouts, errors and parsing) rather
# than `chat.completions.create`, whose per-message TypedDict transform cost 8-15 ms of CPU per
# turn (see bench/RESULTS.md); our messages are already plain JSON-ready dicts.
COMPLETIONS = "/chat/completions"


class OpenAIChat:
    """Chat replies, sync for the API and async (plain and streamed) for the voice service."""

    name = "openai"

    def __init__(self, config: Config) -> None:
        self._options = client_options(config)
        self._default_model = config.openai_chat_model
        self._max_reply_tokens = config.max_reply_tokens
        self._effort = config.openai_reasoning_effort
        self._sync: openai.OpenAI | None = None
        self._async: openai.AsyncOpenAI | None = None

    @property
    def sync_client(self) -> openai.OpenAI:
        if self._sync is None:
            # The blocking reply goes over the lean transport (shared/providers/keepalive.py).
            http_client = openai.DefaultHttpxClient(transport=KeepAliveTransport())
            self._sync = openai.OpenAI(**self._options, http_client=http_client)  # type: ignore[arg-type]
        return self._sync

    @property
    def async_client(self) -> openai.AsyncOpenAI:
        if self._async is None:
            self._async = async_client(self._options)
        return self._async

    def _body(
        self, messages: list[ChatMessage], model: str | None, options: ChatOptions
    ) -> dict[str, object]:
        chosen = model or self._default_model
        return chat_body(messages, chosen, self._max_reply_tokens, options, self._effort)

    def reply(
        self,
        messages: list[ChatMessage],
        model: str | None = None,
        options: ChatOptions = NO_OPTIONS,
    ) -> ChatResult:
        try:
            completion = self.sync_client.post(
                COMPLETIONS, cast_to=object, body=self._body(messages, model, options)
            )
        except openai.OpenAIError as exc:
            raise translate_error(exc, "llm") from exc
        return completion_result(completion)

    async def areply(
        self,
        messages: list[ChatMessage],
        model: str | None = None,
        options: ChatOptions = NO_OPTIONS,
    ) -> ChatResult:
        try:
            completion = await self.async_client.post(
                COMPLETIONS, cast_to=object, body=self._body(messages, model, options)
            )
        except openai.OpenAIError as exc:
            raise translate_error(exc, "llm") from exc
        return completion_result(completion)

    def astream(
        self,
        messages: list[ChatMessage],
        model: str | None = None,
        options: ChatOptions = NO_OPTIONS,
    ) -> ReplyStream:
        return OpenAIReplyStream(self.async_client, self._body(messages, model, options))

    async def aclose(self) -> None:
        if self._async is not None:
            await self._async.close()
            self._async = None


UNREADABLE = "The AI provider returned an unreadable reply."


class OpenAIReplyStream(ReplyStream):
    """Deltas of a streamed completion; the upstream reports usage in its last chunk. Chunks
    are read as plain JSON (`AsyncStream[object]`), as whole replies are
    (`completion_result`): the SDK's model for each chunk cost more CPU than the rest of it."""

    def __init__(self, client: openai.AsyncOpenAI, body: dict[str, object]) -> None:
        super().__init__(str(body["model"]))
        self._client = client
        self._body = {**body, "stream": True, "stream_options": {"include_usage": True}}

    async def _pieces(self) -> AsyncGenerator[str, None]:
        try:
            stream = await self._client.post(
                COMPLETIONS,
                cast_to=object,
                body=self._body,
                stream=True,
                stream_cls=openai.AsyncStream[object],
            )
            calls = CallPieces()
            async with stream:
                async for chunk in stream:
                    if (content := self._take(chunk, calls)) is not None:
                        yield content
            self.tool_calls = calls.requests()
        except openai.OpenAIError as exc:
            raise translate_error(exc, "llm") from exc

    def _take(self, chunk: object, calls: CallPieces) -> str | None:
        """The text of one chunk (None: none); its model, usage and tool-call pieces kept."""
        try:
            body = cast(dict[str, Any], chunk)
            self.model = body.get("model") or self.model
            if usage := body.get("usage"):
                self.usage = Usage(usage.get("prompt_tokens"), usage.get("completion_tokens"))
            choices = body.get("choices")
            delta = (choices[0].get("delta") or {}) if choices else {}
            calls.add(delta.get("tool_calls") or ())
            content = delta.get("content")
        except (AttributeError, IndexError, KeyError, TypeError) as exc:
            raise ProviderError(UNREADABLE, stage="llm") from exc
        return content if isinstance(content, str) and content else None


class CallPieces:
    """Streamed function calls: each arrives as pieces by index (its id and name first, then
    its arguments' text in parts)."""

    def __init__(self) -> None:
        self._calls: dict[int, list[str]] = {}

    def add(self, pieces: Iterable[dict[str, Any]]) -> None:
        for piece in pieces:
            call = self._calls.setdefault(int(piece["index"]), ["", "", ""])
            call[0] = piece.get("id") or call[0]
            function = piece.get("function") or {}
            call[1] += function.get("name") or ""
            call[2] += function.get("arguments") or ""

    def requests(self) -> list[ToolRequest]:
        return [ToolRequest(*self._calls[index]) for index in sorted(self._calls)]


def completion_result(completion: object) -> ChatResult:
    """The reply in a completion's JSON. Read as plain JSON (`cast_to=object`): the SDK's model
    construction cost more CPU than the rest of the call; a body of another shape is an
    unreadable reply (502), as an empty one is."""
    try:
        body = cast(dict[str, Any], completion)
        message = body["choices"][0]["message"] if body.get("choices") else {}
        text = message.get("content")
        calls = tuple(
            ToolRequest(call["id"], call["function"]["name"], call["function"]["arguments"] or "")
            for call in message.get("tool_calls") or ()
        )
        usage = body.get("usage") or {}
        counted = Usage(usage.get("prompt_tokens"), usage.get("completion_tokens"))
        model = str(body.get("model") or "")
    except (AttributeError, IndexError, KeyError, TypeError) as exc:
        raise ProviderError(UNREADABLE, stage="llm") from exc
    if calls:  # a reply that asks for tools may say nothing
        return ChatResult(text=text or "", usage=counted, model=model, tool_calls=calls)
    if not isinstance(text, str) or not text.strip():
        raise ProviderError("The AI provider returned an empty reply.", stage="llm")
    return ChatResult(text=text, usage=counted, model=model)
