"""Usernames are exactly letters, digits, '.', '_' and '-': no trailing newline sneaks in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

ODD_NAMES = ["alice\n", "alice\r\n", "\nalice", "ali\nce", "alice\t", "alice\x00"]


@pytest.mark.parametrize("username", ODD_NAMES, ids=repr)
def test_register_user_with_control_characters_refused(client: FlaskClient, username: str) -> None:
    response = client.post(
        "/api/auth/register", json={"username": username, "password": "pass-word-1"}
    )
    assert response.status_code == 422
    assert response.json["code"] == 422


@pytest.mark.parametrize("username", ODD_NAMES, ids=repr)
def test_login_with_control_characters_refused(
    client: FlaskClient, register: Callable[..., Any], username: str
) -> None:
    register("alice", "pass-word-1")
    response = client.post(
        "/api/auth/login", json={"username": username, "password": "pass-word-1"}
    )
    assert response.status_code == 422


def test_openapi_documents_the_username_pattern(client: FlaskClient) -> None:
    spec = client.get("/api/openapi.json").json
    credentials = spec["components"]["schemas"]["Credentials"]["properties"]["username"]
    assert credentials["pattern"] == "^[A-Za-z0-9_.-]+$"
