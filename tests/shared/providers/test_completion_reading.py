"""A completion's JSON, whole or streamed, read without the SDK's models
(shared/providers/openai_chat.py)."""

from __future__ import annotations

from typing import Any, cast

import pytest

from shared.providers.base import ProviderError, ToolRequest, Usage
from shared.providers.openai_chat import CallPieces, OpenAIReplyStream, completion_result


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


def chunks_read(*chunks: Any) -> tuple[list[str], OpenAIReplyStream, CallPieces]:
    """Streamed chunks as `OpenAIReplyStream` reads them: the text pieces, the stream (its
    model and usage) and the tool-call pieces."""
    stream = OpenAIReplyStream(cast(Any, None), {"model": "asked-for"})
    calls = CallPieces()
    pieces = [piece for chunk in chunks if (piece := stream._take(chunk, calls)) is not None]
    return pieces, stream, calls


def delta(**fields: Any) -> dict[str, Any]:
    return {"model": "gpt-6-luna", "choices": [{"index": 0, "delta": fields}]}


def test_streamed_chunks_give_their_text_then_the_usage_and_model() -> None:
    usage = {"prompt_tokens": 9, "completion_tokens": 2, "total_tokens": 11}
    pieces, stream, _ = chunks_read(
        delta(role="assistant", content=""),
        delta(content="Hel"),
        delta(content="lo."),
        delta(),
        {"model": "gpt-6-luna", "choices": [], "usage": usage},
    )
    assert pieces == ["Hel", "lo."]
    assert (stream.model, stream.usage) == ("gpt-6-luna", Usage(9, 2))


def test_streamed_tool_calls_are_joined_from_their_pieces() -> None:
    first = {"index": 0, "id": "call_1", "function": {"name": "weather", "arguments": '{"ci'}}
    rest = {"index": 0, "function": {"arguments": 'ty": "Oslo"}'}}
    other = {"index": 1, "id": "call_2", "function": {"name": "time", "arguments": "{}"}}
    pieces, _, calls = chunks_read(delta(tool_calls=[first]), delta(tool_calls=[rest, other]))
    assert pieces == []
    assert calls.requests() == [
        ToolRequest("call_1", "weather", '{"city": "Oslo"}'),
        ToolRequest("call_2", "time", "{}"),
    ]


@pytest.mark.parametrize(
    "chunk", ["text", [], {"choices": [3]}, {"choices": [{"delta": {"tool_calls": [{}]}}]}]
)
def test_a_chunk_of_another_shape_is_an_unreadable_reply(chunk: Any) -> None:
    with pytest.raises(ProviderError, match="unreadable"):
        chunks_read(delta(content="Hi"), chunk)
