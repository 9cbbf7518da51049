"""Security headers on every voice response, streamed replies included."""

from __future__ import annotations

from typing import Any

from quart.typing import TestClientProtocol as VoiceClient

from tests.api.test_security_headers import assert_hardened, inline_script_hash
from tests.voice.conftest import Headers


async def test_voice_docs_page_csp_allows_only_its_inline_script(
    voice_client: VoiceClient,
) -> None:
    response = await voice_client.get("/voice/docs")
    assert response.status_code == 200
    csp = assert_hardened(response.headers)
    assert inline_script_hash(await response.get_data(as_text=True)) in csp
    assert "'unsafe-inline'" not in csp


async def test_every_voice_response_carries_security_headers(
    voice_client: VoiceClient, user_chat: tuple[Headers, dict[str, Any]]
) -> None:
    headers, chat = user_chat
    stream = await voice_client.post(
        f"/voice/chats/{chat['id']}/messages/stream", headers=headers, json={"content": "hi"}
    )
    await stream.get_data()
    responses = [
        stream,
        await voice_client.get("/voice/health"),
        await voice_client.get("/voice/openapi.json"),
        await voice_client.get("/voice/nothing-here"),
        await voice_client.post(f"/voice/chats/{chat['id']}/messages"),  # 401
        await voice_client.get("/"),
    ]
    for response in responses:
        assert_hardened(response.headers)
