"""The voice service refuses the same JSON bodies as the API, and a stream always ends with
`done` or `error` even when the reply cannot be stored."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from quart.typing import TestClientProtocol as VoiceClient

from tests.bodies import BAD_BODIES
from tests.fake_openai import Behaviour
from tests.voice.conftest import Headers, stored_messages
from tests.voice.test_streaming import parse_events, stream_path


@pytest.mark.parametrize("name", sorted(BAD_BODIES))
async def test_stream_message_refuses_bad_bodies_in_the_envelope(
    voice_client: VoiceClient,
    user_chat: tuple[Headers, dict[str, Any]],
    upstream: Behaviour,
    client: FlaskClient,
    name: str,
) -> None:
    headers, chat = user_chat
    body, status = BAD_BODIES[name]
    response = await voice_client.post(
        stream_path(chat["id"]), headers={**headers, "Content-Type": "application/json"}, data=body
    )
    assert response.status_code == status
    payload = await response.get_json()
    assert payload["code"] == status and payload["errors"]["reason"] in (
        "invalid_body",
        "validation",
    )
    assert upstream.requests == []
    assert stored_messages(client, chat["id"], headers) == []


async def test_stream_message_reply_with_lone_surrogate_still_ends_with_an_event(
    voice_client: VoiceClient, user_chat: tuple[Headers, dict[str, Any]], upstream: Behaviour
) -> None:
    headers, chat = user_chat
    upstream.reply = "Broken \ud800 text from upstream."
    response = await voice_client.post(
        stream_path(chat["id"]), headers=headers, json={"content": "Say something odd"}
    )
    assert response.status_code == 200
    events = parse_events((await response.get_data()).decode())
    assert events[-1][0] in ("done", "error")
    assert [name for name, _ in events].count("delta") >= 1
