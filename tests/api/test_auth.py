"""Accounts, tokens, guests and revocation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import TEST_SECRET, bearer
from tests.waiting import wait_until


def test_register_user(client: FlaskClient) -> None:
    response = client.post("/api/auth/register", json={"username": "Bob", "password": "hunter22!"})
    assert response.status_code == 201
    body = response.json
    assert body["username"] == "bob"
    assert "password" not in str(body) and "hash" not in str(body)


def test_register_user_taken_name(client: FlaskClient, register: Callable[..., Any]) -> None:
    register("carol")
    response = client.post("/api/auth/register", json={"username": "CAROL", "password": "x" * 8})
    assert response.status_code == 409
    assert response.json["message"] == "That username is taken."


def test_register_user_anonymous_is_reserved(client: FlaskClient) -> None:
    response = client.post(
        "/api/auth/register", json={"username": "anonymous", "password": "password1"}
    )
    assert response.status_code == 409


def test_register_user_invalid_fields(client: FlaskClient) -> None:
    cases = [
        {"username": "ab", "password": "password1"},
        {"username": "a" * 65, "password": "password1"},
        {"username": "bad name", "password": "password1"},
        {"username": "dave", "password": "short"},
        {"username": "dave", "password": "password1", "is_admin": True},
        {"username": "dave"},
    ]
    for body in cases:
        response = client.post("/api/auth/register", json=body)
        assert response.status_code == 422, body
        assert response.json["code"] == 422 and response.json["errors"]
        assert response.json["message"].startswith("Invalid input:")


def test_login_user(client: FlaskClient, register: Callable[..., Any]) -> None:
    register("erin", "pass-word-1")
    response = client.post("/api/auth/login", json={"username": "erin", "password": "pass-word-1"})
    assert response.status_code == 200
    body = response.json
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    me = client.get("/api/auth/me", headers=bearer(body["access_token"]))
    assert me.json["username"] == "erin" and me.json["is_guest"] is False


def test_login_user_wrong_password_and_unknown_user_answer_alike(
    client: FlaskClient, register: Callable[..., Any]
) -> None:
    register("frank", "pass-word-1")
    wrong = client.post("/api/auth/login", json={"username": "frank", "password": "nope-nope"})
    unknown = client.post("/api/auth/login", json={"username": "ghost", "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json == unknown.json


def test_login_anonymous_is_refused(client: FlaskClient) -> None:
    response = client.post("/api/auth/login", json={"username": "anonymous", "password": ""})
    assert response.status_code == 401


def test_guest_token_is_a_guest(client: FlaskClient) -> None:
    response = client.post("/api/auth/guest")
    assert response.status_code == 201
    me = client.get("/api/auth/me", headers=bearer(response.json["access_token"])).json
    assert me["is_guest"] is True
    assert me["username"] == "anonymous"
    assert me["guest_id"] == response.json["guest_id"]


def test_refresh_token_gives_new_access_token(
    client: FlaskClient, register: Callable[..., Any]
) -> None:
    tokens = register()
    response = client.post("/api/auth/refresh", headers=bearer(tokens["refresh_token"]))
    assert response.status_code == 200
    assert (
        client.get("/api/auth/me", headers=bearer(response.json["access_token"])).status_code == 200
    )


def test_refresh_keeps_guest_identity(client: FlaskClient, guest: Callable[[], Any]) -> None:
    tokens = guest()
    refreshed = client.post("/api/auth/refresh", headers=bearer(tokens["refresh_token"])).json
    me = client.get("/api/auth/me", headers=bearer(refreshed["access_token"])).json
    assert me["guest_id"] == tokens["guest_id"]


def test_refresh_token_is_not_an_access_token(
    client: FlaskClient, register: Callable[..., Any]
) -> None:
    tokens = register()
    response = client.get("/api/auth/me", headers=bearer(tokens["refresh_token"]))
    assert response.status_code == 401
    assert response.json["status"] == "Unauthorized"


def test_access_token_cannot_refresh(client: FlaskClient, auth_headers: dict[str, str]) -> None:
    assert client.post("/api/auth/refresh", headers=auth_headers).status_code == 401


def test_logout_revokes_access_token(client: FlaskClient, auth_headers: dict[str, str]) -> None:
    assert client.post("/api/auth/logout", headers=auth_headers).status_code == 204
    response = client.get("/api/auth/me", headers=auth_headers)
    assert response.status_code == 401
    assert response.json["message"] == "The token has been revoked."


def test_logout_revokes_refresh_token(client: FlaskClient, register: Callable[..., Any]) -> None:
    tokens = register()
    refresh = bearer(tokens["refresh_token"])
    assert client.post("/api/auth/logout", headers=refresh).status_code == 204
    assert client.post("/api/auth/refresh", headers=refresh).status_code == 401


def forged(claims: dict[str, Any], key: str = TEST_SECRET, algorithm: str = "HS256") -> str:
    now = datetime.now(UTC)
    base = {
        "sub": "1",
        "jti": "x",
        "type": "access",
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(minutes=5),
        "fresh": False,
        "gen": 0,
    }
    # A claim given as None is left out.
    payload = {name: value for name, value in {**base, **claims}.items() if value is not None}
    return jwt.encode(payload, key, algorithm=algorithm)


def test_bad_tokens_are_refused(
    client: FlaskClient, register: Callable[..., Any], app: Flask
) -> None:
    user_id = register()["user"]["id"]
    past = datetime.now(UTC) - timedelta(minutes=1)
    unsigned = jwt.encode(
        {"sub": str(user_id), "type": "access", "jti": "n"}, None, algorithm="none"
    )
    tampered = forged({"sub": str(user_id)})[:-3] + "abc"
    cases = {
        "garbage": "not-a-token",
        "wrong key": forged({"sub": str(user_id)}, key="another-secret-another-secret-xx"),
        "expired": forged({"sub": str(user_id), "exp": past}),
        "alg none": unsigned,
        "tampered": tampered,
        "unknown user": forged({"sub": "999999"}),
        "user token claiming guest": forged({"sub": str(user_id), "guest_id": "g"}),
    }
    for name, token in cases.items():
        response = client.get("/api/auth/me", headers=bearer(token))
        assert response.status_code == 401, name
        assert set(response.json) >= {"code", "status", "message"}, name
    expired = client.get("/api/auth/me", headers=bearer(cases["expired"]))
    assert expired.json["message"] == "The token has expired."


def test_missing_token(client: FlaskClient) -> None:
    response = client.get("/api/agents")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert "Authorization" in response.json["message"]


def test_token_expires_with_time(client: FlaskClient, register: Callable[..., Any]) -> None:
    user_id = register()["user"]["id"]
    token = forged({"sub": str(user_id), "exp": datetime.now(UTC) + timedelta(seconds=1)})
    assert client.get("/api/auth/me", headers=bearer(token)).status_code == 200
    # Refused once the expiry passes (wait_until fails the test if it never is).
    wait_until(lambda: client.get("/api/auth/me", headers=bearer(token)).status_code == 401)
