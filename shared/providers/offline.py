"""The labelled offline responder used when no language model is configured."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from shared.providers.base import (
    NO_OPTIONS,
    NO_USAGE,
    ChatMessage,
    ChatOptions,
    ChatResult,
    ReplyStream,
)

OFFLINE_LABEL = "[Offline mode]"
QUOTE_CHARS = 200


class OfflineChat:
    """Answers without any language model and says so plainly, so the app works with no key."""

    name = "offline"

    def reply(
        self,
        messages: list[ChatMessage],
        model: str | None = None,
        options: ChatOptions = NO_OPTIONS,
    ) -> ChatResult:
        return ChatResult(text=offline_text(messages), usage=NO_USAGE, model=self.name)

    async def areply(
        self,
        messages: list[ChatMessage],
        model: str | None = None,
        options: ChatOptions = NO_OPTIONS,
    ) -> ChatResult:
        return self.reply(messages, model)

    def astream(
        self,
        messages: list[ChatMessage],
        model: str | None = None,
        options: ChatOptions = NO_OPTIONS,
    ) -> ReplyStream:
        return OfflineReplyStream(offline_text(messages))


class OfflineReplyStream(ReplyStream):
    """The offline answer word by word, like a streamed reply (no tokens used)."""

    def __init__(self, text: str) -> None:
        super().__init__(OfflineChat.name)
        self._text = text

    async def _pieces(self) -> AsyncGenerator[str, None]:
        for index, word in enumerate(self._text.split(" ")):
            yield word if index == 0 else " " + word


def offline_text(messages: list[ChatMessage]) -> str:
    """The labelled non-answer, quoting the user's newest message."""
    said = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
    quoted = " ".join(said.split())
    if len(quoted) > QUOTE_CHARS:
        quoted = quoted[: QUOTE_CHARS - 1] + "…"
    return (
        f"{OFFLINE_LABEL} No language model is configured, so this is not a real answer. "
        "Set OPENAI_API_KEY (and OPENAI_BASE_URL for a compatible server) to get replies. "
        f'You said: "{quoted}"'
    )
