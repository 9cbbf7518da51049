"""Text limits come from the live config, checked by the request schemas of both services,
and both OpenAPI documents state the default the same way."""

from __future__ import annotations

import pytest
from quart.typing import TestClientProtocol as VoiceClient

from shared.core.config import Config
from tests.conftest import Headers, MakeApp


@pytest.fixture
def voice_config(config: Config) -> Config:
    return config.replace(max_message_chars=10)


def test_api_refuses_a_message_over_the_configured_limit(
    make_app: MakeApp, starter_agent_id: int
) -> None:
    client = make_app(max_message_chars=10).test_client()
    tokens = client.post("/api/auth/guest").json
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    chat = client.post(f"/api/agents/{starter_agent_id}/chats", json={}, headers=headers).json
    path = f"/api/chats/{chat['id']}/messages"

    too_long = client.post(path, json={"content": "x" * 11}, headers=headers)

    assert too_long.status_code == 422
    assert "11 characters long; the limit is 10" in too_long.json["message"]
    assert too_long.json["errors"]["json"]["content"]
    assert client.post(path, json={"content": "x" * 10}, headers=headers).status_code == 201


async def test_voice_refuses_a_message_over_the_configured_limit(
    voice_client: VoiceClient, user_chat: tuple[Headers, dict[str, object]]
) -> None:
    headers, chat = user_chat
    path = f"/voice/chats/{chat['id']}/messages/stream"

    too_long = await voice_client.post(path, headers=headers, json={"content": "x" * 11})

    assert too_long.status_code == 422
    assert "11 characters long; the limit is 10" in (await too_long.get_json())["message"]
    blank = await voice_client.post(path, headers=headers, json={"content": " \n "})
    assert blank.status_code == 422 and "blank" in (await blank.get_json())["message"]


async def test_both_services_document_the_message_limit_alike(
    make_app: MakeApp, voice_client: VoiceClient
) -> None:
    api_spec = make_app().test_client().get("/api/openapi.json").json
    voice_spec = await (await voice_client.get("/voice/openapi.json")).get_json()
    api_content = api_spec["components"]["schemas"]["MessageCreate"]["properties"]["content"]
    stream = voice_spec["paths"]["/voice/chats/{chat_id}/messages/stream"]["post"]
    body = stream["requestBody"]["content"]["application/json"]["schema"]
    voice_content = body["properties"]["content"]

    for key in ("maxLength", "pattern", "description"):
        assert api_content[key] == voice_content[key], key
    assert "MAX_MESSAGE_CHARS" in voice_content["description"]
