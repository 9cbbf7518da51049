"""The voice service applies the API's rules: token claims, bearer case, unknown fields."""

from __future__ import annotations

from typing import Any

import pytest
from quart.typing import TestClientProtocol as VoiceClient

from tests.api.test_consistency import incomplete_tokens
from tests.conftest import bearer
from tests.voice.conftest import Headers, VoiceChat


async def test_voice_refuses_incomplete_tokens_with_401(voice_chat: VoiceChat) -> None:
    for name, token in incomplete_tokens(voice_chat.login["user"]["id"]).items():
        assert await voice_chat.stream_status(bearer(token)) == 401, name


@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "Bearer"])
async def test_voice_bearer_scheme_in_any_case(voice_chat: VoiceChat, scheme: str) -> None:
    token = voice_chat.login["access_token"]
    assert await voice_chat.stream_status({"Authorization": f"{scheme} {token}"}) == 200


async def test_stream_message_unknown_fields_refused_like_the_api(
    voice_client: VoiceClient, user_chat: tuple[Headers, dict[str, Any]]
) -> None:
    headers, chat = user_chat
    response = await voice_client.post(
        f"/voice/chats/{chat['id']}/messages/stream",
        headers=headers,
        json={"content": "hi", "role": "system"},
    )
    assert response.status_code == 422
    body = await response.get_json()
    assert body["code"] == 422 and "role" in str(body["errors"])
