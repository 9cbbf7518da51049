"""Which provider serves each stage, from LLM_PROVIDER / STT_PROVIDER / TTS_PROVIDER."""

from __future__ import annotations

from shared.config import Config, ProviderChoice
from shared.providers.base import ChatProvider
from shared.providers.offline import OfflineChat
from shared.providers.openai_chat import OpenAIChat


def resolve(choice: ProviderChoice, config: Config) -> str:
    """`auto` means OpenAI when a key is configured, offline otherwise."""
    if choice == "auto":
        return "openai" if config.openai_api_key else "offline"
    return choice


def chat_provider(config: Config) -> ChatProvider:
    if resolve(config.llm_provider, config) == "openai":
        return OpenAIChat(config)
    return OfflineChat()


def active_providers(config: Config) -> dict[str, str]:
    """Which engine serves each stage, as the UI and /health report it."""
    return {
        "llm": resolve(config.llm_provider, config),
        "stt": resolve(config.stt_provider, config),
        "tts": resolve(config.tts_provider, config),
    }
