"""A body sent without a length (chunked) meets the same limit as one whose length is declared:
413 past it, in the envelope; under it, it is read whole (never cut into broken JSON)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import Headers

LIMIT = 64 * 1024


def post_chunked(client: FlaskClient, path: str, body: bytes, headers: Headers) -> TestResponse:
    """POST `body` as a server that decodes chunked transfer hands it to the app: no length,
    a stream the server ends (`wsgi.input_terminated`)."""
    return client.post(
        path,
        input_stream=io.BytesIO(body),
        headers={**headers, "Content-Type": "application/json", "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )


def agent(name: str) -> bytes:
    return json.dumps({"name": name, "prompt": "Be brief."}).encode()


def test_a_chunked_body_over_the_limit_is_413_like_a_sized_one(
    client: FlaskClient, auth_headers: Headers
) -> None:
    body = agent("a" * (LIMIT + 10))
    chunked = post_chunked(client, "/api/agents", body, auth_headers)
    sized = client.post(
        "/api/agents", data=body, headers={**auth_headers, "Content-Type": "application/json"}
    )
    assert chunked.status_code == sized.status_code == 413
    assert chunked.json is not None
    assert chunked.json["message"] == "The request body is larger than the 64 KiB limit."


def test_a_chunked_body_under_the_limit_is_read_whole(
    client: FlaskClient, auth_headers: Headers
) -> None:
    name = "n" * 60
    response = post_chunked(client, "/api/agents", agent(name), auth_headers)
    assert response.status_code == 201, response.json
    created: dict[str, Any] = response.json or {}
    assert created["name"] == name


def test_a_chunked_import_has_the_imports_own_larger_limit(
    client: FlaskClient, auth_headers: Headers, new_chat: Callable[..., dict[str, Any]]
) -> None:
    chat = new_chat(auth_headers)
    sent = client.post(
        f"/api/chats/{chat['id']}/messages", json={"content": "w " * 1500}, headers=auth_headers
    )
    assert sent.status_code == 201
    document = json.loads(client.get("/api/chats/export", headers=auth_headers).data)
    document["chats"] = document["chats"] * 40
    body = json.dumps(document).encode()
    assert len(body) > 2 * LIMIT  # over the ordinary limit, under the import's own

    response = post_chunked(client, "/api/chats/import", body, auth_headers)

    assert response.status_code == 201, response.json
    assert (response.json or {})["imported_chats"] == 40
