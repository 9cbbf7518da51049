"""Logout ends every token of that login: the refresh token and each access token it minted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

from tests.conftest import bearer


def refreshed(client: FlaskClient, tokens: dict[str, Any]) -> str:
    """A new access token of the login; `tokens` takes its next refresh token (they rotate)."""
    response = client.post("/api/auth/refresh", headers=bearer(tokens["refresh_token"]))
    assert response.status_code == 200
    tokens["refresh_token"] = response.json["refresh_token"]
    return str(response.json["access_token"])


def me(client: FlaskClient, token: str) -> int:
    return int(client.get("/api/auth/me", headers=bearer(token)).status_code)


def test_logout_revokes_sibling_access_tokens(
    client: FlaskClient, register: Callable[..., Any]
) -> None:
    tokens = register("nina", "pass-word-1")
    siblings = [refreshed(client, tokens) for _ in range(2)]
    other_login = client.post(
        "/api/auth/login", json={"username": "nina", "password": "pass-word-1"}
    )

    assert client.post("/api/auth/logout", headers=tokens["headers"]).status_code == 204

    for token in siblings:
        response = client.get("/api/auth/me", headers=bearer(token))
        assert response.status_code == 401
        assert response.json["message"] == "The token has been revoked."
    assert (
        client.post("/api/auth/refresh", headers=bearer(tokens["refresh_token"])).status_code == 401
    )
    assert me(client, other_login.json["access_token"]) == 200  # another login is not touched


def test_logout_with_a_refreshed_access_token_revokes_the_login(
    client: FlaskClient, register: Callable[..., Any]
) -> None:
    tokens = register("omar", "pass-word-1")
    sibling = refreshed(client, tokens)
    assert client.post("/api/auth/logout", headers=bearer(sibling)).status_code == 204
    assert me(client, tokens["access_token"]) == 401
    assert (
        client.post("/api/auth/refresh", headers=bearer(tokens["refresh_token"])).status_code == 401
    )


def test_guest_logout_revokes_the_guest_family(
    client: FlaskClient, guest: Callable[[], dict[str, Any]]
) -> None:
    tokens = guest()
    sibling = refreshed(client, tokens)
    other_guest = guest()
    assert (
        client.post("/api/auth/logout", headers=bearer(tokens["refresh_token"])).status_code == 204
    )
    assert me(client, sibling) == 401 and me(client, tokens["access_token"]) == 401
    assert me(client, other_guest["access_token"]) == 200
