"""Model lifecycle in the API: the upstream's models and shutdown dates, warnings in health and
for the people who can act on them, the model/voice allow-lists and what a text turn sends."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import Headers, MakeApp, bearer
from tests.fake_openai import LISTED_MODELS, Behaviour

AGENT = {"name": "Historian", "prompt": "Answer briefly."}


def days_until(day: str) -> int:
    return (date.fromisoformat(day) - datetime.now(UTC).date()).days


@pytest.fixture
def admin_headers(app: Flask, client: FlaskClient) -> Headers:
    result = app.test_cli_runner().invoke(
        args=["create-superuser", "--username", "root", "--password", "s3cret-pw"]
    )
    assert result.exit_code == 0, result.output
    login = client.post("/api/auth/login", json={"username": "root", "password": "s3cret-pw"})
    return bearer(login.json["access_token"])


def fresh_client(make_app: MakeApp, **changes: Any) -> FlaskClient:
    """A new app (its catalog reads the upstream's current listing at start)."""
    return make_app(**changes).test_client()


def test_list_models_offers_upstream_models_and_speech_voices(
    client: FlaskClient, auth_headers: Headers
) -> None:
    response = client.get("/api/models", headers=auth_headers)

    assert response.status_code == 200
    body = response.json
    # Only chat models: the listing's speech and realtime models cannot write a reply.
    assert body["models"] == [
        {"id": m["id"], "shutdown_date": m.get("shutdown_date")}
        for m in LISTED_MODELS
        if m["id"] not in ("gpt-transcribe", "gpt-realtime-2.1-mini", "whisper-1")
    ]
    assert body["default_model"] == "gpt-6-luna" and body["default_voice"] == "alloy"
    assert body["speech_api"] == "speech"  # a compatible server keeps /v1/audio/speech
    assert {"alloy", "nova", "marin"} <= set(body["voices"])
    assert body["warnings"] == []


def test_list_models_as_guest_and_without_token(
    client: FlaskClient, guest_headers: Headers, admin_headers: Headers, starter_agent_id: int
) -> None:
    # The anonymous user owns the starter agent, but a guest cannot act on its model.
    url = f"/api/agents/{starter_agent_id}"
    changed = client.patch(url, json={"model": "gpt-4o-mini"}, headers=admin_headers)
    assert changed.status_code == 200
    try:
        as_guest = client.get("/api/models", headers=guest_headers)
        assert as_guest.status_code == 200 and as_guest.json["warnings"] == []
        admin_view = client.get("/api/models", headers=admin_headers).json["warnings"]
        assert [w["agent_ids"] for w in admin_view] == [[starter_agent_id]]
    finally:  # the starter agent outlives the test's database clean-up
        restored = client.patch(url, json={"model": None}, headers=admin_headers)
        assert restored.status_code == 200
    refused = client.get("/api/models")
    assert refused.status_code == 401 and refused.json["code"] == 401


def test_health_warns_about_a_retiring_default_model_and_logs_it_once(
    make_app: MakeApp, upstream: Behaviour, caplog: pytest.LogCaptureFixture
) -> None:
    client = fresh_client(make_app, openai_chat_model="gpt-4o-mini")
    first = client.get("/api/health").json
    client.get("/api/health")

    assert first["warnings"] == [
        {
            "model": "gpt-4o-mini",
            "kind": "retiring",
            "shutdown_date": "2027-01-14",
            "days_left": days_until("2027-01-14"),
            "message": first["warnings"][0]["message"],
        }
    ]
    assert "2027-01-14" in first["warnings"][0]["message"]
    logged = [r for r in caplog.records if "gpt-4o-mini shuts down" in r.getMessage()]
    assert len(logged) == 1


def test_health_warns_about_a_configured_model_the_upstream_does_not_list(
    make_app: MakeApp, upstream: Behaviour
) -> None:
    client = fresh_client(make_app, openai_stt_model="whisper-2")
    warnings = client.get("/api/health").json["warnings"]
    assert [(w["model"], w["kind"], w["shutdown_date"]) for w in warnings] == [
        ("whisper-2", "missing", None)
    ]


def test_health_and_models_without_a_models_endpoint(
    make_app: MakeApp, upstream: Behaviour, auth_headers: Headers
) -> None:
    upstream.models = None  # e.g. a local server without GET /v1/models
    client = fresh_client(make_app, openai_chat_model="gpt-4o-mini")
    assert client.get("/api/health").json["warnings"] == []
    models = client.get("/api/models", headers=auth_headers).json
    assert models["models"] == [] and models["warnings"] == []


def test_health_offline_reads_no_listing(make_app: MakeApp, upstream: Behaviour) -> None:
    client = fresh_client(make_app, openai_api_key="", openai_chat_model="gpt-4o-mini")
    assert client.get("/api/health").json["warnings"] == []
    assert upstream.models_reads == 0
    fresh_client(make_app).get("/api/health")
    assert upstream.models_reads == 1


def test_agent_with_retiring_model_warns_its_owner_not_others(
    client: FlaskClient, register: Callable[..., Any]
) -> None:
    alice, bob = register("alice")["headers"], register("bob")["headers"]
    agent = client.post(
        "/api/agents", json={**AGENT, "model": "gpt-4o-mini", "is_public": True}, headers=alice
    ).json

    warnings = client.get("/api/models", headers=alice).json["warnings"]
    assert [(w["model"], w["agent_ids"], w["default"]) for w in warnings] == [
        ("gpt-4o-mini", [agent["id"]], False)
    ]
    assert warnings[0]["urgent"] is (days_until("2027-01-14") <= 30)
    assert client.get("/api/models", headers=bob).json["warnings"] == []
    health = client.get("/api/health").json["warnings"]
    assert [w["model"] for w in health] == ["gpt-4o-mini"]


def test_admin_sees_warnings_for_defaults_and_everyone_s_agents(
    make_app: MakeApp, admin_headers: Headers, register: Callable[..., Any], upstream: Behaviour
) -> None:
    client = fresh_client(make_app, openai_chat_model="gpt-4o-mini")
    alice = register("alice")["headers"]
    agent = client.post(
        "/api/agents", json={**AGENT, "model": "gpt-sunset-preview"}, headers=alice
    ).json
    admin_view = client.get("/api/models", headers=admin_headers).json["warnings"]
    assert [(w["model"], w["agent_ids"], w["default"]) for w in admin_view] == [
        ("gpt-4o-mini", [], True),
        ("gpt-sunset-preview", [agent["id"]], False),
    ]
    assert [w["model"] for w in client.get("/api/models", headers=alice).json["warnings"]] == [
        "gpt-sunset-preview"
    ]


def test_create_agent_with_model_or_voice_outside_allow_list_is_refused(
    client: FlaskClient, auth_headers: Headers
) -> None:
    for field, value in (("model", "gpt-9-ultra"), ("voice", "robot")):
        response = client.post("/api/agents", json={**AGENT, field: value}, headers=auth_headers)
        assert response.status_code == 422, field
        assert list(response.json["errors"]) == [field]
        assert value in response.json["message"]
        assert "/api" not in response.json["message"]  # words a user knows, no endpoints
    names = [a["name"] for a in client.get("/api/agents", headers=auth_headers).json]
    assert "Historian" not in names


def test_admin_may_give_an_agent_any_model_and_voice(
    client: FlaskClient, admin_headers: Headers
) -> None:
    response = client.post(
        "/api/agents",
        json={**AGENT, "model": "gpt-9-ultra", "voice": "robot"},
        headers=admin_headers,
    )
    assert response.status_code == 201
    assert response.json["model"] == "gpt-9-ultra" and response.json["voice"] == "robot"


def test_allowed_models_and_voices_settings_replace_the_defaults(
    make_app: MakeApp, auth_headers: Headers, upstream: Behaviour
) -> None:
    client = fresh_client(make_app, allowed_models=("house-model",), allowed_voices=("robot",))
    allowed = client.post(
        "/api/agents",
        json={**AGENT, "model": "house-model", "voice": "robot"},
        headers=auth_headers,
    )
    assert allowed.status_code == 201
    listed = client.post("/api/agents", json={**AGENT, "model": "gpt-6-luna"}, headers=auth_headers)
    assert listed.status_code == 422 and "model" in listed.json["errors"]


def test_update_agent_keeps_a_model_chosen_before_it_left_the_list(
    make_app: MakeApp, client: FlaskClient, auth_headers: Headers, upstream: Behaviour
) -> None:
    agent = client.post(
        "/api/agents", json={**AGENT, "model": "gpt-4o-mini"}, headers=auth_headers
    ).json
    upstream.models = [m for m in LISTED_MODELS if m["id"] != "gpt-4o-mini"]
    later = fresh_client(make_app)
    url = f"/api/agents/{agent['id']}"
    assert later.patch(url, json={"name": "Renamed"}, headers=auth_headers).status_code == 200
    assert (
        later.put(url, json={**AGENT, "model": "gpt-4o-mini"}, headers=auth_headers).status_code
        == 200
    )
    changed = later.patch(url, json={"model": "pirate-model-2"}, headers=auth_headers)
    assert changed.status_code == 422 and "model" in changed.json["errors"]
    assert later.get(url, headers=auth_headers).json["model"] == "gpt-4o-mini"


def test_text_turn_to_the_reasoning_default_sends_what_it_accepts(
    client: FlaskClient, auth_headers: Headers, new_chat: Callable[..., Any], upstream: Behaviour
) -> None:
    chat = new_chat(auth_headers)
    reply = client.post(
        f"/api/chats/{chat['id']}/messages", json={"content": "Hi"}, headers=auth_headers
    )

    assert reply.status_code == 201
    sent = upstream.requests[-1]["json"]
    assert sent["model"] == "gpt-6-luna"
    assert sent["max_completion_tokens"] == 4096
    assert sent["messages"][0]["role"] == "developer"
    assert not {"temperature", "max_tokens", "top_p"} & set(sent)


def test_text_turn_reply_cap_follows_max_reply_tokens(
    make_app: MakeApp, auth_headers: Headers, new_chat: Callable[..., Any], upstream: Behaviour
) -> None:
    chat = new_chat(auth_headers)
    for tokens, expected in ((300, 300), (0, None)):
        client = fresh_client(make_app, max_reply_tokens=tokens)
        client.post(
            f"/api/chats/{chat['id']}/messages", json={"content": "Hi"}, headers=auth_headers
        )
        assert upstream.requests[-1]["json"].get("max_completion_tokens") == expected


@pytest.mark.parametrize(
    "model", ["whisper-1", "gpt-transcribe", "gpt-realtime-2.1-mini", "tts-1", "gpt-4o-mini-tts"]
)
def test_speech_models_are_not_offered_or_allowed_for_chat(
    client: FlaskClient, auth_headers: Headers, model: str
) -> None:
    offered = [m["id"] for m in client.get("/api/models", headers=auth_headers).json["models"]]
    assert model not in offered and "gpt-test" in offered
    refused = client.post("/api/agents", json={**AGENT, "model": model}, headers=auth_headers)
    assert refused.status_code == 422 and list(refused.json["errors"]) == ["model"]
    assert refused.json["message"] == (
        f"The model {model!r} isn't available here. Pick one from the list."
    )
