"""Undecodable JSON bodies are a 400 (NUL in text a 422) in the envelope, never a 500."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.bodies import BAD_BODIES
from tests.conftest import Headers


@pytest.mark.parametrize("name", sorted(BAD_BODIES))
def test_api_json_endpoints_refuse_bad_bodies_in_the_envelope(
    client: FlaskClient,
    auth_headers: Headers,
    new_chat: Callable[..., dict[str, Any]],
    name: str,
) -> None:
    body, status = BAD_BODIES[name]
    chat = new_chat(auth_headers)
    headers = {**auth_headers, "Content-Type": "application/json"}
    requests = [
        ("POST", "/api/auth/register"),
        ("POST", "/api/agents"),
        ("PATCH", f"/api/chats/{chat['id']}"),
        ("POST", f"/api/chats/{chat['id']}/messages"),
    ]
    for method, path in requests:
        response = client.open(path, method=method, headers=headers, data=body)
        assert response.status_code == status, (method, path, response.json)
        assert response.json["code"] == status and response.json["message"]
        assert response.json["errors"]["reason"] in ("invalid_body", "validation")
    titles = client.get(f"/api/chats/{chat['id']}", headers=auth_headers).json["title"]
    assert titles == chat["title"]


def test_api_json_body_nested_32_deep_is_parsed(client: FlaskClient, auth_headers: Headers) -> None:
    body = b'{"name": "n", "prompt": "p", "x": ' + b"[" * 30 + b"]" * 30 + b"}"
    response = client.post(
        "/api/agents", headers={**auth_headers, "Content-Type": "application/json"}, data=body
    )
    assert response.status_code == 422  # an ordinary validation error: unknown field "x"
    assert "x" in response.json["errors"]["json"]
