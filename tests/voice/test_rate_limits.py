"""Reply-generating voice endpoints share the API's per-caller limits (429 + Retry-After)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from quart.typing import TestClientProtocol as VoiceClient

from shared.core.config import Config
from tests.fake_openai import Behaviour
from tests.voice.conftest import Headers


@pytest.fixture
def voice_config(config: Config) -> Config:
    return config.replace(rate_limit_replies="2/minute")


async def test_voice_turns_over_limit_too_many_requests(
    voice_client: VoiceClient,
    post_audio: Callable[..., Any],
    user_chat: tuple[Headers, dict[str, Any]],
    upstream: Behaviour,
) -> None:
    headers, chat = user_chat
    first = await post_audio(chat["id"], headers)
    second = await voice_client.post(
        f"/voice/chats/{chat['id']}/messages/stream", headers=headers, json={"content": "hi"}
    )
    calls_before = len(upstream.requests)
    third = await post_audio(chat["id"], headers)

    assert (first.status_code, second.status_code) == (201, 200)
    assert third.status_code == 429
    assert int(third.headers["Retry-After"]) >= 1
    body = await third.get_json()
    assert body["code"] == 429 and "too fast" in body["message"]
    assert len(upstream.requests) == calls_before
