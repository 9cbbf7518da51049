"""Refresh tokens rotate: each use hands out the login's next refresh token and retires the one
sent. A retired refresh token sent again means two parties hold it: the whole login ends."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from shared.auth.rotation import REUSED
from tests.conftest import bearer


def refresh(client: FlaskClient, token: str) -> tuple[int, dict[str, Any]]:
    response = client.post("/api/auth/refresh", headers=bearer(token))
    return response.status_code, dict(response.json or {})


def me(client: FlaskClient, token: str) -> int:
    return int(client.get("/api/auth/me", headers=bearer(token)).status_code)


def test_a_refresh_hands_out_the_next_refresh_token_and_retires_the_one_sent(
    client: FlaskClient, register: Callable[..., Any]
) -> None:
    tokens = register("vera", "pass-word-1")
    status, first = refresh(client, tokens["refresh_token"])
    assert status == 200 and first["refresh_token"] != tokens["refresh_token"]
    status, second = refresh(client, first["refresh_token"])
    assert status == 200
    assert me(client, second["access_token"]) == 200
    assert me(client, tokens["access_token"]) == 200  # rotation alone ends no access token


def test_a_retired_refresh_token_sent_again_ends_the_whole_login(
    client: FlaskClient, register: Callable[..., Any]
) -> None:
    tokens = register("wren", "pass-word-1")
    other_login = client.post(
        "/api/auth/login", json={"username": "wren", "password": "pass-word-1"}
    )
    _, rotated = refresh(client, tokens["refresh_token"])

    status, body = refresh(client, tokens["refresh_token"])  # the copy an attacker kept

    assert status == 401 and body["message"] == "The token has been revoked."
    assert refresh(client, rotated["refresh_token"])[0] == 401  # the thief's next one is dead too
    assert me(client, rotated["access_token"]) == 401
    assert me(client, tokens["access_token"]) == 401
    assert me(client, other_login.json["access_token"]) == 200  # another login is not touched


def test_a_late_refresh_after_logout_is_refused_quietly(
    client: FlaskClient, register: Callable[..., Any]
) -> None:
    tokens = register("xena", "pass-word-1")
    assert client.post("/api/auth/logout", headers=tokens["headers"]).status_code == 204
    assert refresh(client, tokens["refresh_token"])[0] == 401
    assert refresh(client, tokens["refresh_token"])[0] == 401


def test_a_guests_refresh_tokens_rotate_too(
    client: FlaskClient, guest: Callable[[], dict[str, Any]]
) -> None:
    tokens = guest()
    status, rotated = refresh(client, tokens["refresh_token"])
    assert status == 200 and rotated["refresh_token"] != tokens["refresh_token"]
    assert refresh(client, tokens["refresh_token"])[0] == 401
    assert me(client, rotated["access_token"]) == 401


def test_the_same_refresh_token_sent_twice_at_once_gets_one_answer_and_ends_the_login(
    app: Flask, client: FlaskClient, register: Callable[..., Any]
) -> None:
    tokens = register("yuri", "pass-word-1")

    def race(_: int) -> tuple[int, dict[str, Any]]:
        return refresh(app.test_client(), tokens["refresh_token"])

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(race, range(4)))

    granted = [body for status, body in answers if status == 200]
    assert len(granted) <= 1  # never two live successors of one refresh token
    assert [status for status, _ in answers].count(401) >= 3
    for body in granted:
        assert me(client, body["access_token"]) == 401  # the reuse ended that login
    reasons = {body["message"] for status, body in answers if status == 401}
    assert reasons <= {REUSED, "The token has been revoked."}
