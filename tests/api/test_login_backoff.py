"""Failed logins back off per (username, IP) and per IP; nobody can lock out a username."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

from shared.limits.login_guard import backoff_seconds
from tests.conftest import MakeApp

WRONG = {"username": "alice", "password": "not-her-password"}
RIGHT = {"username": "alice", "password": "correct horse"}


def login(client: FlaskClient, body: dict[str, str], ip: str) -> Any:
    return client.post("/api/auth/login", json=body, environ_base={"REMOTE_ADDR": ip})


def guarded_client(make_app: MakeApp, **settings: int) -> FlaskClient:
    return make_app(**settings).test_client()


def test_wrong_passwords_from_elsewhere_never_lock_out_the_right_login(
    make_app: MakeApp, register: Callable[..., Any]
) -> None:
    register("alice", "correct horse")
    client = guarded_client(make_app, login_backoff_after=3)
    for attacker in range(5):
        for _ in range(4):
            login(client, WRONG, f"203.0.113.{attacker}")
    assert login(client, RIGHT, "198.51.100.7").status_code == 200


def test_failures_for_one_username_from_one_ip_back_off(
    make_app: MakeApp, register: Callable[..., Any]
) -> None:
    register("alice", "correct horse")
    client = guarded_client(make_app, login_backoff_after=3)
    statuses = [login(client, WRONG, "203.0.113.1").status_code for _ in range(3)]
    assert statuses == [401, 401, 401]
    locked = login(client, RIGHT, "203.0.113.1")  # even the right password waits now
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) >= 1
    assert locked.json["errors"]["reason"] == "rate_limited"
    assert "failed logins for this account" in locked.json["message"]
    assert login(client, RIGHT, "198.51.100.7").status_code == 200


def test_failures_from_one_ip_across_usernames_back_off_that_ip(
    make_app: MakeApp, register: Callable[..., Any]
) -> None:
    register("alice", "correct horse")
    client = guarded_client(make_app, login_backoff_after=50, login_backoff_after_per_ip=4)
    for n in range(4):
        guess = {"username": f"user{n}", "password": "password-1"}
        assert login(client, guess, "203.0.113.9").status_code == 401
    locked = login(client, RIGHT, "203.0.113.9")
    assert locked.status_code == 429 and "from your network" in locked.json["message"]
    assert login(client, RIGHT, "198.51.100.7").status_code == 200


def test_backoff_doubles_after_each_further_failure(
    make_app: MakeApp, register: Callable[..., Any]
) -> None:
    register("alice", "correct horse")
    client = guarded_client(make_app, login_backoff_after=1)
    assert login(client, WRONG, "203.0.113.2").status_code == 401  # locks for 1 s
    retry_afters = []
    for _ in range(2):
        deadline = time.monotonic() + 10
        while (locked := login(client, WRONG, "203.0.113.2")).status_code == 429:
            retry_afters.append(int(locked.headers["Retry-After"]))
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert locked.status_code == 401  # the lock ran out; this failure locks for longer
    assert max(retry_afters) == 2


def test_correct_password_clears_the_failure_count(
    make_app: MakeApp, register: Callable[..., Any]
) -> None:
    register("alice", "correct horse")
    client = guarded_client(make_app, login_backoff_after=3)
    for _ in range(2):
        assert [login(client, WRONG, "203.0.113.3").status_code for _ in range(2)] == [401, 401]
        assert login(client, RIGHT, "203.0.113.3").status_code == 200


def test_backoff_is_capped() -> None:
    assert [backoff_seconds(n, 900) for n in range(4)] == [1, 2, 4, 8]
    assert backoff_seconds(40, 900) == 900
