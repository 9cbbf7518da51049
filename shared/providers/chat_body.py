"""The chat completion request body each model family accepts.

OpenAI's reasoning models (the o-series and GPT-5 onwards, e.g. the default `gpt-6-luna`) take
the system prompt as a `developer` message, cap their output with `max_completion_tokens`
(reasoning tokens count against it) and refuse sampling parameters such as `temperature`, so
none is sent. Other models, including those of OpenAI-compatible servers, keep the classic
`system` role and `max_tokens`, which every compatible server understands.

Reasoning effort (`reasoning_effort`) is sent to reasoning models only, when one is chosen
(the agent's, else OPENAI_REASONING_EFFORT; voice turns "low"): `gpt-6-luna` reasons at
medium effort by default, which delays the first sentence by seconds. Function tools: the
GPT-6 family's model pages say Chat Completions takes function tools only with
`reasoning_effort: "none"` (tools and any effort belong on the Responses API), so when tools
are offered to a GPT-6 model the effort sent is "none", whatever was chosen. Other reasoning
models (o-series, GPT-5) take tools with any effort; other models never get the parameter.
"""

from __future__ import annotations

import re
from typing import Any

from shared.providers.base import NO_OPTIONS, ChatMessage, ChatOptions

REASONING_MODEL = re.compile(r"^(o\d|gpt-(?:[5-9]|\d{2,}))(?:[.\-]|$)")
# Reasoning families whose Chat Completions take function tools only without reasoning.
TOOLS_WITHOUT_REASONING = re.compile(r"^gpt-6(?:[.\-]|$)")


def is_reasoning_model(model: str) -> bool:
    """True for OpenAI's reasoning families (o1, o3, o4-mini, gpt-5*, gpt-6*, ...)."""
    return REASONING_MODEL.match(model.strip().lower()) is not None


def reasoning_effort(model: str, options: ChatOptions, default: str = "") -> str | None:
    """The `reasoning_effort` to send to `model` (None: send none)."""
    name = model.strip().lower()
    if not is_reasoning_model(name):
        return None
    if options.tools and TOOLS_WITHOUT_REASONING.match(name):
        return "none"
    return options.reasoning_effort or default or None


def chat_body(
    messages: list[ChatMessage],
    model: str,
    max_reply_tokens: int,
    options: ChatOptions = NO_OPTIONS,
    default_effort: str = "",
) -> dict[str, object]:
    """The JSON body for `/chat/completions`; `max_reply_tokens` 0 means no cap is sent."""
    reasoning = is_reasoning_model(model)
    body: dict[str, object] = {
        "model": model,
        "messages": [_as_developer(m) for m in messages] if reasoning else messages,
    }
    if max_reply_tokens > 0:
        body["max_completion_tokens" if reasoning else "max_tokens"] = max_reply_tokens
    if options.tools:
        body["tools"] = list(options.tools)
    effort = reasoning_effort(model, options, default_effort)
    if effort is not None:
        body["reasoning_effort"] = effort
    return body


def _as_developer(message: ChatMessage) -> dict[str, Any]:
    if message["role"] != "system":
        return dict(message)
    return {"role": "developer", "content": message["content"]}
