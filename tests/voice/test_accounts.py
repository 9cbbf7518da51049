"""The voice service refuses the same tokens as the API: disabled accounts, ended sessions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient

from shared.auth.accounts import end_all_sessions, set_disabled
from tests.api.test_accounts import change_account
from tests.api.test_auth import forged
from tests.conftest import bearer
from tests.voice.conftest import VoiceChat


async def test_voice_refuses_disabled_account(app: Flask, voice_chat: VoiceChat) -> None:
    assert await voice_chat.stream_status() == 200
    change_account(app, voice_chat.login["user"]["id"], set_disabled, True)
    assert await voice_chat.stream_status() == 401


async def test_voice_refuses_tokens_after_end_all_sessions(
    app: Flask, voice_chat: VoiceChat
) -> None:
    change_account(app, voice_chat.login["user"]["id"], end_all_sessions)
    assert await voice_chat.stream_status() == 401


async def test_voice_refuses_tokens_without_generation_or_from_before_the_account(
    voice_chat: VoiceChat,
) -> None:
    sub = str(voice_chat.login["user"]["id"])
    earlier = datetime.now(UTC) - timedelta(minutes=10)
    assert await voice_chat.stream_status(bearer(forged({"sub": sub}))) == 200
    cases = {
        "no generation": forged({"sub": sub, "gen": None}),
        "other generation": forged({"sub": sub, "gen": 3}),
        "no iat": forged({"sub": sub, "iat": None}),
        "before the account": forged({"sub": sub, "iat": earlier, "nbf": earlier}),
    }
    for name, token in cases.items():
        assert await voice_chat.stream_status(bearer(token)) == 401, name


async def test_voice_refuses_sibling_access_token_after_logout(
    client: FlaskClient, voice_chat: VoiceChat
) -> None:
    refresh = bearer(voice_chat.login["refresh_token"])
    sibling = bearer(client.post("/api/auth/refresh", headers=refresh).json["access_token"])
    assert await voice_chat.stream_status(sibling) == 200
    assert client.post("/api/auth/logout", headers=voice_chat.headers).status_code == 204
    assert await voice_chat.stream_status(sibling) == 401
