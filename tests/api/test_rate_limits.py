"""Abuse limits: bursts get 429 with Retry-After, per caller, per IP and shared via Redis."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import redis
from flask.testing import FlaskClient

from shared.core.config import Config
from tests.conftest import Headers, MakeApp

REDIS_URL = "redis://127.0.0.1:6379/15"


def assert_throttled(response: Any) -> None:
    assert response.status_code == 429
    assert response.json["code"] == 429 and response.json["status"] == "Too Many Requests"
    assert int(response.headers["Retry-After"]) >= 1
    assert "Try again in" in response.json["message"]


def tight_client(make_app: MakeApp, **limits: str) -> FlaskClient:
    return make_app(**limits).test_client()


def test_reply_burst_per_user_gets_429(
    make_app: MakeApp, auth_headers: Headers, new_chat: Callable[..., Any]
) -> None:
    client = tight_client(make_app, rate_limit_replies="3/minute")
    chat = new_chat(auth_headers)
    path = f"/api/chats/{chat['id']}/messages"
    statuses = [
        client.post(path, json={"content": f"m{i}"}, headers=auth_headers).status_code
        for i in range(3)
    ]
    assert statuses == [201, 201, 201]
    burst = client.post(path, json={"content": "one too many"}, headers=auth_headers)
    assert_throttled(burst)
    assert_throttled(client.post(f"{path}/retry", headers=auth_headers))
    stored = client.get(f"{path}?page_size=100", headers=auth_headers).json
    assert len(stored) == 6 and "one too many" not in [m["content"] for m in stored]


def test_reply_limit_is_per_guest(
    make_app: MakeApp, guest: Callable[[], Any], new_chat: Callable[..., Any]
) -> None:
    client = tight_client(make_app, rate_limit_replies="1/minute")
    first, second = guest()["headers"], guest()["headers"]
    for headers in (first, second):
        chat = new_chat(headers)
        path = f"/api/chats/{chat['id']}/messages"
        assert client.post(path, json={"content": "hi"}, headers=headers).status_code == 201
        assert_throttled(client.post(path, json={"content": "again"}, headers=headers))


def test_reply_limit_per_ip_covers_everyone(
    make_app: MakeApp, guest: Callable[[], Any], new_chat: Callable[..., Any]
) -> None:
    client = tight_client(make_app, rate_limit_replies_per_ip="2/minute")
    chats = [(g := guest()["headers"], new_chat(g)) for _ in range(3)]
    statuses = [
        client.post(
            f"/api/chats/{chat['id']}/messages", json={"content": "hi"}, headers=headers
        ).status_code
        for headers, chat in chats
    ]
    assert statuses == [201, 201, 429]


def test_guest_token_burst_gets_429(make_app: MakeApp) -> None:
    client = tight_client(make_app, rate_limit_guest_tokens="2/minute")
    assert [client.post("/api/auth/guest").status_code for _ in range(2)] == [201, 201]
    assert_throttled(client.post("/api/auth/guest"))


def test_register_burst_gets_429(make_app: MakeApp) -> None:
    client = tight_client(make_app, rate_limit_register="2/hour")
    for name in ("reg1", "reg2"):
        response = client.post("/api/auth/register", json={"username": name, "password": "p" * 8})
        assert response.status_code == 201
    assert_throttled(
        client.post("/api/auth/register", json={"username": "reg3", "password": "p" * 8})
    )


def test_login_is_throttled_per_username(make_app: MakeApp, register: Callable[..., Any]) -> None:
    register("victim", "right-password")
    client = tight_client(make_app, rate_limit_login_per_user="3/minute")
    for _ in range(3):
        wrong = {"username": "victim", "password": "guess-guess"}
        assert client.post("/api/auth/login", json=wrong).status_code == 401
    right = {"username": "VICTIM", "password": "right-password"}
    assert_throttled(client.post("/api/auth/login", json=right))
    other = client.post("/api/auth/login", json={"username": "someone", "password": "x" * 8})
    assert other.status_code == 401


def test_limits_are_shared_across_processes_through_redis(
    make_app: MakeApp, auth_headers: Headers, new_chat: Callable[..., Any]
) -> None:
    try:
        redis.Redis.from_url(REDIS_URL).flushdb()  # database 15 is this suite's own
    except redis.ConnectionError:
        pytest.fail("Redis must run on 127.0.0.1:6379 for this test")
    shared = {"rate_limit_storage_url": REDIS_URL, "rate_limit_guest_tokens": "2/minute"}
    # Two app instances stand in for two worker processes or replicas.
    first, second = make_app(**shared).test_client(), make_app(**shared).test_client()
    environ = {"REMOTE_ADDR": "10.0.0.1"}
    assert first.post("/api/auth/guest", environ_base=environ).status_code == 201
    assert second.post("/api/auth/guest", environ_base=environ).status_code == 201
    assert_throttled(first.post("/api/auth/guest", environ_base=environ))
    assert_throttled(second.post("/api/auth/guest", environ_base=environ))


def test_limits_can_be_disabled(make_app: MakeApp) -> None:
    client = tight_client(make_app, rate_limit_guest_tokens="1/minute")
    client.post("/api/auth/guest")
    assert client.post("/api/auth/guest").status_code == 429
    off = make_app(rate_limit_guest_tokens="1/minute", rate_limit_enabled=False)
    assert [off.test_client().post("/api/auth/guest").status_code for _ in range(3)] == [201] * 3


def test_config_rejects_malformed_limits() -> None:
    from shared.core.config import ConfigError

    with pytest.raises(ConfigError, match="RATE_LIMIT_REPLIES"):
        Config.from_env({"RATE_LIMIT_REPLIES": "often"})
