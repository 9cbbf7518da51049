"""The voice service applies the same rule: no replies in a chat whose agent went private."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from quart.typing import TestClientProtocol as VoiceClient

from tests.api.test_agent_visibility import public_agent, set_public
from tests.fake_openai import Behaviour
from tests.voice.conftest import stored_messages


async def test_voice_refuses_chat_whose_agent_went_private(
    client: FlaskClient,
    voice_client: VoiceClient,
    register: Callable[..., Any],
    new_chat: Callable[..., dict[str, Any]],
    post_audio: Callable[..., Any],
    upstream: Behaviour,
) -> None:
    owner = register("owner")["headers"]
    other = register("other")["headers"]
    agent = public_agent(client, owner)
    chat = new_chat(other, agent["id"])
    set_public(client, owner, agent["id"], False)

    streamed = await voice_client.post(
        f"/voice/chats/{chat['id']}/messages/stream", headers=other, json={"content": "hi"}
    )
    spoken = await post_audio(chat["id"], other)
    for response in (streamed, spoken):
        assert response.status_code == 403
        body = await response.get_json()
        assert body["errors"]["reason"] == "agent_unavailable"
    assert upstream.requests == []
    set_public(client, owner, agent["id"], True)
    assert stored_messages(client, chat["id"], other) == []


async def test_read_aloud_refuses_a_chat_whose_agent_went_private(
    client: FlaskClient,
    voice_client: VoiceClient,
    register: Callable[..., Any],
    new_chat: Callable[..., dict[str, Any]],
    upstream: Behaviour,
) -> None:
    owner = register("owner")["headers"]
    other = register("other")["headers"]
    agent = public_agent(client, owner)
    chat = new_chat(other, agent["id"])
    upstream.reply = "Read me aloud."
    turn = client.post(f"/api/chats/{chat['id']}/messages", json={"content": "hi"}, headers=other)
    set_public(client, owner, agent["id"], False)
    upstream.requests.clear()
    path = f"/voice/chats/{chat['id']}/messages/{turn.json['ai_message']['id']}/speech"
    response = await voice_client.get(path, headers=other)
    assert response.status_code == 403
    assert (await response.get_json())["errors"]["reason"] == "agent_unavailable"
    assert upstream.requests == []
    set_public(client, owner, agent["id"], True)  # the same read works while it is public
    assert (await voice_client.get(path, headers=other)).status_code == 200
