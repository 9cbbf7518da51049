"""Chat providers report the tokens a reply used and the model that wrote it, through the real
`openai` SDK talking to the fake upstream."""

from __future__ import annotations

import asyncio

from shared.core.config import Config
from shared.providers.base import ChatMessage, ReplyStream, Usage
from shared.providers.offline import OfflineChat
from shared.providers.openai_chat import OpenAIChat
from tests.fake_openai import Behaviour

QUESTION: list[ChatMessage] = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "two words"},
]


async def read_all(stream: ReplyStream) -> str:
    try:
        return "".join([piece async for piece in stream])
    finally:
        await stream.aclose()


def test_a_whole_reply_carries_its_usage_and_model(config: Config, upstream: Behaviour) -> None:
    upstream.reply = "one two three"
    result = OpenAIChat(config).reply(QUESTION, "gpt-test")
    assert result.text == "one two three"
    assert result.usage == Usage(prompt_tokens=4, completion_tokens=3)
    assert result.model == "gpt-test"


def test_an_async_reply_carries_its_usage(config: Config, upstream: Behaviour) -> None:
    upstream.reply = "just one"
    result = asyncio.run(OpenAIChat(config).areply(QUESTION))
    assert result.usage == Usage(prompt_tokens=4, completion_tokens=2)
    assert result.model == config.openai_chat_model


def test_a_streamed_reply_asks_for_usage_and_exposes_it_at_the_end(
    config: Config, upstream: Behaviour
) -> None:
    upstream.reply = "a streamed reply"
    stream = OpenAIChat(config).astream(QUESTION, "gpt-test")
    assert stream.usage == Usage(prompt_tokens=None, completion_tokens=None)
    assert asyncio.run(read_all(stream)) == "a streamed reply"
    assert stream.usage == Usage(prompt_tokens=4, completion_tokens=3)
    assert stream.model == "gpt-test"
    sent = upstream.requests[-1]["json"]
    assert sent["stream"] is True
    assert sent["stream_options"] == {"include_usage": True}


def test_a_stream_without_reported_usage_leaves_it_unknown(
    config: Config, upstream: Behaviour
) -> None:
    """An upstream that ignores include_usage: the tokens stay None, never a guess."""
    upstream.reply = "no usage here"
    upstream.report_stream_usage = False
    stream = OpenAIChat(config).astream(QUESTION)
    assert asyncio.run(read_all(stream)) == "no usage here"
    assert stream.usage == Usage(prompt_tokens=None, completion_tokens=None)


def test_the_offline_responder_reports_no_tokens() -> None:
    offline = OfflineChat()
    result = offline.reply(QUESTION)
    assert result.usage == Usage(prompt_tokens=None, completion_tokens=None)
    assert result.model == "offline"
    assert asyncio.run(read_all(offline.astream(QUESTION))) == result.text
