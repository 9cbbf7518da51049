"""A local OpenAI-compatible server (Ollama, llama.cpp's server, vLLM, ...) found by probing.

With `LLM_PROVIDER=auto` and no OpenAI key, the app asks `LOCAL_LLM_URL` (default: Ollama's
port on this machine) for `GET /v1/models`; when it answers with a model list, replies come
from that server through the same `openai` SDK path as OpenAI. The answer is remembered for the
life of the process, so a server started later is found on the next restart.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import httpx

from shared.core.config import Config
from shared.providers.base import NO_OPTIONS, ChatMessage, ChatOptions
from shared.providers.openai_chat import OpenAIChat

OLLAMA_URL = "http://127.0.0.1:11434/v1"
PROBE_TIMEOUT = 1.0
# Local servers ignore the key, but the SDK insists on one.
LOCAL_API_KEY = "local"


@dataclass(frozen=True)
class LocalServer:
    base_url: str
    models: tuple[str, ...]


def local_server_url(config: Config) -> str:
    return (config.local_llm_url or OLLAMA_URL).rstrip("/")


@functools.lru_cache(maxsize=16)
def probe(base_url: str) -> LocalServer | None:
    """The server at `base_url` when `GET {base_url}/models` lists at least one model."""
    try:
        response = httpx.get(f"{base_url}/models", timeout=PROBE_TIMEOUT)
        listed = response.json().get("data") if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError, AttributeError):
        return None
    if not isinstance(listed, list):
        return None
    models = tuple(str(m["id"]) for m in listed if isinstance(m, dict) and m.get("id"))
    return LocalServer(base_url, models) if models else None


def forget_probes() -> None:
    """Probe again on next use (tests start and stop servers on reused ports)."""
    probe.cache_clear()


def local_server(config: Config) -> LocalServer | None:
    return probe(local_server_url(config))


def server_model(config: Config, server: LocalServer) -> str:
    """`LOCAL_LLM_MODEL` when set, else the first model the server lists."""
    return config.local_llm_model or server.models[0]


class LocalServerChat(OpenAIChat):
    """Replies from the local server's model; an agent's OpenAI `model` override does not apply."""

    name = "local-server"

    def __init__(self, config: Config, server: LocalServer) -> None:
        self.model_name = server_model(config, server)
        super().__init__(
            config.replace(
                openai_api_key=LOCAL_API_KEY,
                openai_base_url=server.base_url,
                openai_chat_model=self.model_name,
            )
        )

    def _body(
        self, messages: list[ChatMessage], model: str | None, options: ChatOptions
    ) -> dict[str, object]:
        # The local server's own model; its function-calling support varies, so none is offered.
        return super()._body(messages, None, NO_OPTIONS)
