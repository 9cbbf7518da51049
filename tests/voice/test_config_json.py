"""The page's /config.json is one document, whichever service serves the UI, and it publishes
the rules the server validates with (so the UI copies none of them)."""

from __future__ import annotations

import importlib.util
from typing import Any

from flask.testing import FlaskClient
from quart.typing import TestClientProtocol as VoiceClient

from shared.core import validation
from shared.core.config import ROOT
from tests.conftest import Headers

UI_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy")


async def test_config_json_is_the_same_from_both_services(
    client: FlaskClient, voice_client: VoiceClient
) -> None:
    from_api = client.get("/config.json")
    from_voice = await voice_client.get("/config.json")

    assert from_api.status_code == from_voice.status_code == 200
    assert from_api.json == await from_voice.get_json()
    assert {"stt_engine", "tts_engine"} <= set(from_api.json["providers"])
    assert {"accounts", "starter_agent"} <= set(from_api.json)
    for header in (*UI_HEADERS, "Cache-Control"):
        assert from_api.headers[header] == from_voice.headers[header], header


async def test_both_services_publish_the_validating_constants(
    client: FlaskClient, voice_client: VoiceClient
) -> None:
    for served in (
        client.get("/config.json").json,
        await (await voice_client.get("/config.json")).get_json(),
    ):
        assert served["accounts"] == {
            "username_min_chars": validation.USERNAME_MIN_CHARS,
            "username_max_chars": validation.USERNAME_MAX_CHARS,
            "username_pattern": validation.USERNAME_PATTERN,
            "username_characters": validation.USERNAME_CHARACTERS,
            "password_min_chars": validation.PASSWORD_MIN_CHARS,
            "password_max_chars": validation.PASSWORD_MAX_CHARS,
        }
        limits = served["limits"]
        assert limits["starters"] == validation.MAX_STARTERS
        assert limits["starter_chars"] == validation.MAX_STARTER_CHARS


def register_status(client: FlaskClient, username: str, password: str) -> int:
    response = client.post("/api/auth/register", json={"username": username, "password": password})
    return response.status_code


def test_sign_up_is_checked_with_the_published_account_rules(client: FlaskClient) -> None:
    rules = client.get("/config.json").json["accounts"]
    shortest, longest = rules["password_min_chars"], rules["password_max_chars"]
    assert register_status(client, "short_pw", "p" * (shortest - 1)) == 422
    assert register_status(client, "long_pw", "p" * (longest + 1)) == 422
    assert register_status(client, "just_right", "p" * shortest) == 201
    assert register_status(client, "u" * (rules["username_min_chars"] - 1), "p" * shortest) == 422
    assert register_status(client, "u" * (rules["username_max_chars"] + 1), "p" * shortest) == 422
    assert register_status(client, "u" * rules["username_max_chars"], "p" * shortest) == 201
    refused = client.post("/api/auth/register", json={"username": "no spaces", "password": "p" * 8})
    assert rules["username_characters"] in str(refused.json["errors"])


def agent_status(client: FlaskClient, headers: Headers, **card: Any) -> int:
    body = {"name": "Card", "prompt": "Be brief.", **card}
    return client.post("/api/agents", json=body, headers=headers).status_code


def test_agent_cards_are_checked_with_the_published_limits(
    client: FlaskClient, auth_headers: Headers
) -> None:
    limits = client.get("/config.json").json["limits"]
    most, chars = limits["starters"], limits["starter_chars"]
    assert agent_status(client, auth_headers, starters=["Hi"] * (most + 1)) == 422
    assert agent_status(client, auth_headers, starters=["x" * (chars + 1)]) == 422
    assert agent_status(client, auth_headers, starters=["x" * chars] * most) == 201


def test_the_published_starter_agent_is_the_seeded_one(
    client: FlaskClient, guest_headers: Headers
) -> None:
    name = client.get("/config.json").json["starter_agent"]["name"]
    agents = client.get("/api/agents", headers=guest_headers).json
    assert [a["name"] for a in agents if a["is_public"]] == [name]
    path = ROOT / "migrations" / "versions" / "0002_anonymous_and_starter.py"
    spec = importlib.util.spec_from_file_location("starter_migration", path)
    assert spec and spec.loader
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert name == migration.STARTER_NAME
