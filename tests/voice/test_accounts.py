"""The voice service refuses the same tokens as the API: disabled accounts, ended sessions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from quart.typing import TestClientProtocol as VoiceClient

from shared.accounts import end_all_sessions, set_disabled
from tests.conftest import bearer
from tests.test_accounts import change_account
from tests.test_auth import forged
from tests.voice.conftest import Headers


async def chat_status(voice_client: VoiceClient, chat_id: int, headers: Headers) -> int:
    """A cheap authenticated voice request: stream a reply in the caller's chat."""
    response = await voice_client.post(
        f"/voice/chats/{chat_id}/messages/stream", headers=headers, json={"content": "hi"}
    )
    await response.get_data()
    return int(response.status_code)


async def test_voice_refuses_disabled_account(
    app: Flask,
    voice_client: VoiceClient,
    register: Callable[..., Any],
    new_chat: Callable[..., dict[str, Any]],
) -> None:
    tokens = register()
    chat = new_chat(tokens["headers"])
    assert await chat_status(voice_client, chat["id"], tokens["headers"]) == 200
    change_account(app, tokens["user"]["id"], set_disabled, True)
    assert await chat_status(voice_client, chat["id"], tokens["headers"]) == 401


async def test_voice_refuses_tokens_after_end_all_sessions(
    app: Flask,
    voice_client: VoiceClient,
    register: Callable[..., Any],
    new_chat: Callable[..., dict[str, Any]],
) -> None:
    tokens = register()
    chat = new_chat(tokens["headers"])
    change_account(app, tokens["user"]["id"], end_all_sessions)
    assert await chat_status(voice_client, chat["id"], tokens["headers"]) == 401


async def test_voice_refuses_tokens_without_generation_or_from_before_the_account(
    voice_client: VoiceClient,
    register: Callable[..., Any],
    new_chat: Callable[..., dict[str, Any]],
) -> None:
    tokens = register()
    chat = new_chat(tokens["headers"])
    sub = str(tokens["user"]["id"])
    earlier = datetime.now(UTC) - timedelta(minutes=10)
    assert await chat_status(voice_client, chat["id"], bearer(forged({"sub": sub}))) == 200
    cases = {
        "no generation": forged({"sub": sub, "gen": None}),
        "other generation": forged({"sub": sub, "gen": 3}),
        "no iat": forged({"sub": sub, "iat": None}),
        "before the account": forged({"sub": sub, "iat": earlier, "nbf": earlier}),
    }
    for name, token in cases.items():
        assert await chat_status(voice_client, chat["id"], bearer(token)) == 401, name
