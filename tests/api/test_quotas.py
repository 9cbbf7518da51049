"""Token budgets: guests cannot drain the key, users are not limited by guest budgets, and
the caller sees what is left. The fake upstream reports one token per word."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from api import create_app
from api.extensions import db
from shared.auth.access import Caller
from shared.core.config import Config
from shared.usage import reservations as quotas
from shared.usage.budgets import DEFAULT_TURN_ESTIMATE
from tests.conftest import Headers
from tests.fake_openai import Behaviour, Failure


def budget_client(config: Config, **quotas: int) -> FlaskClient:
    return create_app(config.replace(**quotas)).test_client()


def say(client: FlaskClient, headers: Headers, chat_id: int, content: str = "hello there") -> Any:
    return client.post(f"/api/chats/{chat_id}/messages", json={"content": content}, headers=headers)


def budget(client: FlaskClient, headers: Headers, name: str) -> dict[str, Any]:
    response = client.get("/api/usage", headers=headers)
    assert response.status_code == 200, response.json
    return next(b for b in response.json["budgets"] if b["name"] == name)


def assert_over_budget(response: Any, name: str, sentence: str) -> None:
    assert response.status_code == 429, response.json
    assert response.json["errors"]["reason"] == "quota"
    assert response.json["errors"]["budget"] == name
    assert 1 <= int(response.headers["Retry-After"]) <= 24 * 3600
    assert sentence in response.json["message"] and "resets in" in response.json["message"]


def test_guest_over_budget_gets_429_and_keeps_nothing(
    config: Config, guest: Callable[[], Any], new_chat: Callable[..., Any]
) -> None:
    client = budget_client(config, quota_guest_tokens_per_day=1)
    headers = guest()["headers"]
    chat = new_chat(headers)
    assert say(client, headers, chat["id"]).status_code == 201  # any turn spends at least 1 token
    refused = say(client, headers, chat["id"], "one more please")
    assert_over_budget(refused, "guest", "The daily budget for guests (1 token) is used up")
    stored = client.get(f"/api/chats/{chat['id']}/messages", headers=headers).json
    assert [m["content"] for m in stored if m["message_by"] == "USER"] == ["hello there"]


def test_user_is_not_limited_by_guest_budgets(
    config: Config, auth_headers: Headers, new_chat: Callable[..., Any]
) -> None:
    client = budget_client(config, quota_guest_tokens_per_day=1, quota_guest_ip_tokens_per_day=1)
    chat = new_chat(auth_headers)
    assert [say(client, auth_headers, chat["id"]).status_code for _ in range(3)] == [201] * 3
    mine = budget(client, auth_headers, "user")
    assert mine["limit"] is None and mine["remaining"] is None and mine["used"] > 10


def test_user_budget_applies_when_configured(
    config: Config, auth_headers: Headers, new_chat: Callable[..., Any]
) -> None:
    client = budget_client(config, quota_user_tokens_per_day=1)
    chat = new_chat(auth_headers)
    assert say(client, auth_headers, chat["id"]).status_code == 201
    assert_over_budget(say(client, auth_headers, chat["id"]), "user", "for your account")


def test_new_guest_ids_share_their_network_budget(
    config: Config, guest: Callable[[], Any], new_chat: Callable[..., Any]
) -> None:
    client = budget_client(config, quota_guest_ip_tokens_per_day=1)
    first, second = guest()["headers"], guest()["headers"]
    assert say(client, first, new_chat(first)["id"]).status_code == 201
    refused = say(client, second, new_chat(second)["id"])
    assert_over_budget(refused, "guest_ip", "guests on your network")


def test_usage_shows_what_is_left_and_when_it_resets(
    config: Config, guest: Callable[[], Any], new_chat: Callable[..., Any], upstream: Behaviour
) -> None:
    client = budget_client(config, quota_guest_tokens_per_day=1000)
    headers = guest()["headers"]
    before = budget(client, headers, "guest")
    assert before == {
        "name": "guest",
        "limit": 1000,
        "used": 0,
        "remaining": 1000,
        "resets_at": None,
        "unit": "tokens",
    }
    upstream.reply = "three word reply"
    assert say(client, headers, new_chat(headers)["id"], "two words").status_code == 201
    after = budget(client, headers, "guest")
    prompt = upstream.requests[-1]["json"]["messages"]
    spent = sum(len(m["content"].split()) for m in prompt) + 3
    assert after["used"] == spent and after["remaining"] == 1000 - spent
    resets = datetime.fromisoformat(after["resets_at"])
    assert timedelta(hours=23) < resets - datetime.now(UTC) <= timedelta(hours=24)


def test_deleting_a_chat_never_refunds_a_budget(
    config: Config, guest: Callable[[], Any], new_chat: Callable[..., Any]
) -> None:
    client = budget_client(config, quota_guest_tokens_per_day=1)
    headers = guest()["headers"]
    chat = new_chat(headers)
    assert say(client, headers, chat["id"]).status_code == 201
    assert client.delete(f"/api/chats/{chat['id']}", headers=headers).status_code == 204
    assert_over_budget(say(client, headers, new_chat(headers)["id"]), "guest", "guests")


def test_failed_reply_costs_nothing(
    config: Config, guest: Callable[[], Any], new_chat: Callable[..., Any], upstream: Behaviour
) -> None:
    client = budget_client(config, quota_guest_tokens_per_day=1000)
    headers = guest()["headers"]
    upstream.fail_next("chat", Failure(status=500))
    assert say(client, headers, new_chat(headers)["id"]).status_code == 502
    assert budget(client, headers, "guest")["used"] == 0


def test_unlimited_budgets_never_refuse(
    config: Config, guest: Callable[[], Any], new_chat: Callable[..., Any]
) -> None:
    client = budget_client(config, quota_guest_tokens_per_day=0, quota_guest_ip_tokens_per_day=0)
    headers = guest()["headers"]
    chat = new_chat(headers)
    assert [say(client, headers, chat["id"]).status_code for _ in range(3)] == [201] * 3
    assert budget(client, headers, "guest")["limit"] is None


def test_usage_needs_a_token(client: FlaskClient) -> None:
    assert client.get("/api/usage").status_code == 401


def test_a_turn_whose_worker_died_keeps_its_reservation(
    app: Flask, config: Config, client: FlaskClient, guest: Callable[[], Any]
) -> None:
    headers = guest()["headers"]
    me = client.get("/api/auth/me", headers=headers).json
    with app.app_context():  # a turn that started, then its worker died before the reply ended
        caller = Caller(user_id=me["id"], guest_id=me["guest_id"])
        db.session.add(quotas.reservation(caller, "127.0.0.1", "gpt-test", DEFAULT_TURN_ESTIMATE))
        db.session.commit()
    assert budget(client, headers, "guest")["used"] == DEFAULT_TURN_ESTIMATE
