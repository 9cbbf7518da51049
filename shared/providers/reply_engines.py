"""Which engine writes the replies, decided once from LLM_PROVIDER and what is available.

- `openai`: OpenAI (or OPENAI_BASE_URL); `auto` picks it whenever OPENAI_API_KEY is set.
- `local`: the bundled small model in-process (local_llm.MODEL; a clear 503 on use when it is
  not installed).
- `offline`: the labelled responder that says no language model is configured.
- `auto` with no key: a local OpenAI-compatible server when one answers (LOCAL_LLM_URL, default
  Ollama's port), else the bundled model when installed, else the offline responder.
"""

from __future__ import annotations

from typing import Literal

from shared.core.config import Config
from shared.providers.base import ChatProvider
from shared.providers.local_llm import (
    LOCAL_MODEL_NAME,
    LocalChat,
    MissingLocalChat,
    local_llm_installed,
)
from shared.providers.local_server import LocalServerChat, local_server, server_model
from shared.providers.offline import OfflineChat
from shared.providers.openai_chat import OpenAIChat

ReplyEngine = Literal["openai", "local-server", "bundled", "offline", "none"]


def reply_engine(config: Config) -> ReplyEngine:
    """The engine that answers ("none": LLM_PROVIDER=local but the model is not installed)."""
    choice = config.llm_provider
    if choice == "openai" or (choice == "auto" and config.openai_api_key):
        return "openai"
    if choice == "offline":
        return "offline"
    if choice == "auto" and local_server(config) is not None:
        return "local-server"
    if local_llm_installed():
        return "bundled"
    return "none" if choice == "local" else "offline"


def reply_provider(config: Config) -> ChatProvider:
    engine = reply_engine(config)
    server = local_server(config) if engine == "local-server" else None
    if engine == "openai":
        return OpenAIChat(config)
    if server is not None:
        return LocalServerChat(config, server)
    if engine == "bundled":
        return LocalChat(config)
    if engine == "none":
        return MissingLocalChat()
    return OfflineChat()


def llm_report(config: Config) -> dict[str, str]:
    """What the UI and /health say about replies: the choice, the engine and its model."""
    engine = reply_engine(config)
    kind = {"openai": "openai", "offline": "offline"}.get(engine, "local")
    return {"llm": kind, "llm_engine": engine, "llm_model": reply_model(config, engine)}


def reply_model(config: Config, engine: ReplyEngine) -> str:
    if engine == "openai":
        return config.openai_chat_model
    if engine in ("bundled", "none"):
        return LOCAL_MODEL_NAME
    server = local_server(config) if engine == "local-server" else None
    return server_model(config, server) if server is not None else ""
