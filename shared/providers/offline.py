"""The labelled offline responder used when no language model is configured."""

from __future__ import annotations

from collections.abc import AsyncIterator

from shared.providers.base import ChatMessage

OFFLINE_LABEL = "[Offline mode]"
QUOTE_CHARS = 200


class OfflineChat:
    """Answers without any language model and says so plainly, so the app works with no key."""

    name = "offline"

    def reply(self, messages: list[ChatMessage], model: str | None = None) -> str:
        said = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
        quoted = " ".join(said.split())
        if len(quoted) > QUOTE_CHARS:
            quoted = quoted[: QUOTE_CHARS - 1] + "…"
        return (
            f"{OFFLINE_LABEL} No language model is configured, so this is not a real answer. "
            "Set OPENAI_API_KEY (and OPENAI_BASE_URL for a compatible server) to get replies. "
            f'You said: "{quoted}"'
        )

    async def areply(self, messages: list[ChatMessage], model: str | None = None) -> str:
        return self.reply(messages, model)

    async def astream(
        self, messages: list[ChatMessage], model: str | None = None
    ) -> AsyncIterator[str]:
        words = self.reply(messages, model).split(" ")
        for index, word in enumerate(words):
            yield word if index == 0 else " " + word
