"""A completion's JSON read without the SDK's models (shared/providers/openai_chat.py)."""

from __future__ import annotations

from typing import Any

import pytest

from shared.providers.base import ProviderError, Usage
from shared.providers.openai_chat import completion_result


def completion(content: Any = "Hello.", **fields: Any) -> dict[str, Any]:
    return {"choices": [{"message": {"role": "assistant", "content": content}}], **fields}


def test_a_completion_gives_its_text_usage_and_model() -> None:
    usage = {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15}
    result = completion_result(completion(usage=usage, model="gpt-6-luna"))
    assert (result.text, result.model) == ("Hello.", "gpt-6-luna")
    assert result.usage == Usage(12, 3)


def test_a_completion_without_usage_reports_none() -> None:
    assert completion_result(completion()).usage == Usage(None, None)


@pytest.mark.parametrize("content", [None, "", "   "])
def test_an_empty_reply_is_a_provider_error(content: Any) -> None:
    with pytest.raises(ProviderError, match="empty reply"):
        completion_result(completion(content))


@pytest.mark.parametrize(
    "body", [[], "text", {"choices": "x"}, {"choices": [{}]}, {"choices": [{"message": 3}]}]
)
def test_a_body_of_another_shape_is_an_unreadable_reply(body: Any) -> None:
    with pytest.raises(ProviderError, match="unreadable"):
        completion_result(body)
