"""The chat completion request body each model family accepts.

OpenAI's reasoning models (the o-series and GPT-5 onwards, e.g. the default `gpt-6-luna`) take
the system prompt as a `developer` message, cap their output with `max_completion_tokens`
(reasoning tokens count against it) and refuse sampling parameters such as `temperature`, so
none is sent. Other models, including those of OpenAI-compatible servers, keep the classic
`system` role and `max_tokens`, which every compatible server understands.
"""

from __future__ import annotations

import re

from shared.providers.base import ChatMessage

REASONING_MODEL = re.compile(r"^(o\d|gpt-(?:[5-9]|\d{2,}))(?:[.\-]|$)")


def is_reasoning_model(model: str) -> bool:
    """True for OpenAI's reasoning families (o1, o3, o4-mini, gpt-5*, gpt-6*, ...)."""
    return REASONING_MODEL.match(model.strip().lower()) is not None


def chat_body(messages: list[ChatMessage], model: str, max_reply_tokens: int) -> dict[str, object]:
    """The JSON body for `/chat/completions`; `max_reply_tokens` 0 means no cap is sent."""
    reasoning = is_reasoning_model(model)
    body: dict[str, object] = {
        "model": model,
        "messages": [_as_developer(m) for m in messages] if reasoning else messages,
    }
    if max_reply_tokens > 0:
        body["max_completion_tokens" if reasoning else "max_tokens"] = max_reply_tokens
    return body


def _as_developer(message: ChatMessage) -> dict[str, str]:
    role = "developer" if message["role"] == "system" else message["role"]
    return {"role": role, "content": message["content"]}
