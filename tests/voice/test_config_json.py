"""The page's /config.json is one document, whichever service serves the UI."""

from __future__ import annotations

from flask.testing import FlaskClient
from quart.typing import TestClientProtocol as VoiceClient

UI_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy")


async def test_config_json_is_the_same_from_both_services(
    client: FlaskClient, voice_client: VoiceClient
) -> None:
    from_api = client.get("/config.json")
    from_voice = await voice_client.get("/config.json")

    assert from_api.status_code == from_voice.status_code == 200
    assert from_api.json == await from_voice.get_json()
    assert {"stt_engine", "tts_engine"} <= set(from_api.json["providers"])
    for header in (*UI_HEADERS, "Cache-Control"):
        assert from_api.headers[header] == from_voice.headers[header], header
