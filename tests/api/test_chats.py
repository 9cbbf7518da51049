"""Chats: creation, listing by activity, renaming, deletion and isolation between callers."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

from tests.conftest import Headers


def test_create_chat(client: FlaskClient, auth_headers: Headers, starter_agent_id: int) -> None:
    response = client.post(
        f"/api/agents/{starter_agent_id}/chats", json={"title": "Plans"}, headers=auth_headers
    )
    assert response.status_code == 201
    chat = response.json
    assert chat["title"] == "Plans" and chat["agent_name"] == "Helpful Assistant"
    assert client.get(f"/api/chats/{chat['id']}", headers=auth_headers).json == chat


def test_create_chat_untitled_takes_first_message_as_title(
    client: FlaskClient, auth_headers: Headers, new_chat: Callable[..., Any]
) -> None:
    chat = new_chat(auth_headers)
    assert chat["title"] == "New chat"
    client.post(
        f"/api/chats/{chat['id']}/messages",
        json={"content": "  What should I cook tonight?  "},
        headers=auth_headers,
    )
    assert client.get(f"/api/chats/{chat['id']}", headers=auth_headers).json["title"] == (
        "What should I cook tonight?"
    )


def test_create_chat_with_unknown_or_private_agent(
    client: FlaskClient, register: Callable[..., Any]
) -> None:
    alice, bob = register("alice")["headers"], register("bob")["headers"]
    private = client.post("/api/agents", json={"name": "a", "prompt": "p"}, headers=alice).json
    assert (
        client.post(f"/api/agents/{private['id']}/chats", json={}, headers=bob).status_code == 404
    )
    assert client.post("/api/agents/999999/chats", json={}, headers=bob).status_code == 404
    bad_title = client.post(f"/api/agents/{private['id']}/chats", json={"title": ""}, headers=alice)
    assert bad_title.status_code == 422


def test_list_chats_newest_activity_first(
    client: FlaskClient, auth_headers: Headers, new_chat: Callable[..., Any]
) -> None:
    first, second = new_chat(auth_headers), new_chat(auth_headers)
    client.post(
        f"/api/chats/{first['id']}/messages", json={"content": "bump"}, headers=auth_headers
    )
    listed = client.get("/api/chats", headers=auth_headers)
    assert [c["id"] for c in listed.json] == [first["id"], second["id"]]
    assert json.loads(listed.headers["X-Pagination"])["total"] == 2
    per_agent = client.get(f"/api/agents/{first['agent_id']}/chats", headers=auth_headers)
    assert [c["id"] for c in per_agent.json] == [first["id"], second["id"]]
    filtered = client.get("/api/chats?agent_id=999999", headers=auth_headers)
    assert filtered.status_code == 200 and filtered.json == []
    assert client.get("/api/chats?agent_id=x", headers=auth_headers).status_code == 422


def test_chats_are_private_between_users(
    client: FlaskClient, register: Callable[..., Any], new_chat: Callable[..., Any]
) -> None:
    alice, bob = register("alice")["headers"], register("bob")["headers"]
    chat = new_chat(alice)
    for method, path in [
        ("get", f"/api/chats/{chat['id']}"),
        ("patch", f"/api/chats/{chat['id']}"),
        ("delete", f"/api/chats/{chat['id']}"),
        ("get", f"/api/chats/{chat['id']}/messages"),
        ("post", f"/api/chats/{chat['id']}/messages"),
        ("post", f"/api/chats/{chat['id']}/messages/retry"),
    ]:
        body = {"title": "x"} if method == "patch" else {"content": "x"}
        response = getattr(client, method)(path, json=body, headers=bob)
        assert response.status_code == 404, (method, path)
        assert response.json["message"] == "Chat not found."
    assert client.get("/api/chats", headers=bob).json == []
    assert client.get(f"/api/chats/{chat['id']}", headers=alice).status_code == 200


def test_guest_chats_are_private_between_guests(
    client: FlaskClient,
    guest: Callable[[], Any],
    new_chat: Callable[..., Any],
    auth_headers: Headers,
) -> None:
    first, second = guest()["headers"], guest()["headers"]
    chat = new_chat(first)
    assert client.get(f"/api/chats/{chat['id']}", headers=second).status_code == 404
    assert client.get(f"/api/chats/{chat['id']}", headers=auth_headers).status_code == 404
    assert client.get("/api/chats", headers=second).json == []
    assert [c["id"] for c in client.get("/api/chats", headers=first).json] == [chat["id"]]


def test_rename_chat(
    client: FlaskClient, auth_headers: Headers, new_chat: Callable[..., Any]
) -> None:
    chat = new_chat(auth_headers)
    renamed = client.patch(f"/api/chats/{chat['id']}", json={"title": "Trip"}, headers=auth_headers)
    assert renamed.status_code == 200 and renamed.json["title"] == "Trip"
    for body in ({"title": "   "}, {"title": "t" * 201}, {}, {"title": "ok", "agent_id": 2}):
        response = client.patch(f"/api/chats/{chat['id']}", json=body, headers=auth_headers)
        assert response.status_code == 422, body
    assert client.get(f"/api/chats/{chat['id']}", headers=auth_headers).json["title"] == "Trip"


def test_delete_chat(
    client: FlaskClient, auth_headers: Headers, new_chat: Callable[..., Any]
) -> None:
    chat = new_chat(auth_headers)
    client.post(f"/api/chats/{chat['id']}/messages", json={"content": "hi"}, headers=auth_headers)
    assert client.delete(f"/api/chats/{chat['id']}", headers=auth_headers).status_code == 204
    assert client.get(f"/api/chats/{chat['id']}", headers=auth_headers).status_code == 404
    assert client.delete(f"/api/chats/{chat['id']}", headers=auth_headers).status_code == 404
