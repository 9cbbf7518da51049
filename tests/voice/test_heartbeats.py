"""SSE streams send a heartbeat comment while the reply waits upstream (proxies cut idle
streams); clients ignore comments, and the stream still ends with `done`."""

from __future__ import annotations

from typing import Any

import pytest
from quart.typing import TestClientProtocol as VoiceClient

from tests.fake_openai import Behaviour
from tests.voice.conftest import Headers
from tests.voice.test_streaming import parse_events, stream_path
from voice import sse


async def test_a_slow_reply_stream_sends_heartbeats_and_ends_with_done(
    voice_client: VoiceClient,
    user_chat: tuple[Headers, dict[str, Any]],
    upstream: Behaviour,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sse, "HEARTBEAT_SECONDS", 0.05)
    headers, chat = user_chat
    upstream.reply, upstream.stream_chunk_delay = "slow words arrive", 0.4
    response = await voice_client.post(
        stream_path(chat["id"]), json={"content": "hi"}, headers=headers
    )
    assert response.status_code == 200
    text = (await response.get_data()).decode()
    assert sse.HEARTBEAT in text
    events = parse_events("".join(b + "\n\n" for b in text.split("\n\n") if b and b[0] != ":"))
    assert events[-1][0] == "done"
    assert "".join(data["content"] for name, data in events if name == "delta") == upstream.reply
