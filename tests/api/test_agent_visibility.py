"""A chat is usable only while its agent is visible to the caller."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

from tests.conftest import Headers
from tests.fake_openai import Behaviour

Chat = dict[str, Any]


def public_agent(client: FlaskClient, owner: Headers) -> dict[str, Any]:
    body = {"name": "Shared", "prompt": "The secret recipe is 42.", "is_public": True}
    response = client.post("/api/agents", json=body, headers=owner)
    assert response.status_code == 201
    return dict(response.json)


def set_public(client: FlaskClient, owner: Headers, agent_id: int, public: bool) -> None:
    response = client.patch(f"/api/agents/{agent_id}", json={"is_public": public}, headers=owner)
    assert response.status_code == 200


def assert_agent_unavailable(response: Any) -> None:
    assert response.status_code == 403
    assert response.json["errors"]["reason"] == "agent_unavailable"
    assert "no longer available" in response.json["message"]


def test_unpublished_agent_cuts_off_others_chats(
    client: FlaskClient,
    register: Callable[..., Any],
    new_chat: Callable[..., Chat],
    upstream: Behaviour,
) -> None:
    owner = register("owner")["headers"]
    other = register("other")["headers"]
    agent = public_agent(client, owner)
    chat = new_chat(other, agent["id"])
    set_public(client, owner, agent["id"], False)

    assert client.get("/api/chats", headers=other).json == []
    assert_agent_unavailable(client.get(f"/api/agents/{agent['id']}/chats", headers=other))
    stranger = register("stranger")["headers"]  # never chatted with it: it does not exist
    assert client.get(f"/api/agents/{agent['id']}/chats", headers=stranger).status_code == 404
    assert_agent_unavailable(client.get(f"/api/chats/{chat['id']}", headers=other))
    assert_agent_unavailable(client.get(f"/api/chats/{chat['id']}/messages", headers=other))
    sent = client.post(f"/api/chats/{chat['id']}/messages", json={"content": "hi"}, headers=other)
    assert_agent_unavailable(sent)
    assert not [r for r in upstream.requests if r["endpoint"] == "chat"]
    assert client.delete(f"/api/chats/{chat['id']}", headers=other).status_code == 204


def test_republished_agent_makes_the_chat_usable_again(
    client: FlaskClient, register: Callable[..., Any], new_chat: Callable[..., Chat]
) -> None:
    owner = register("owner")["headers"]
    other = register("other")["headers"]
    agent = public_agent(client, owner)
    chat = new_chat(other, agent["id"])
    set_public(client, owner, agent["id"], False)
    set_public(client, owner, agent["id"], True)
    assert [c["id"] for c in client.get("/api/chats", headers=other).json] == [chat["id"]]
    sent = client.post(f"/api/chats/{chat['id']}/messages", json={"content": "hi"}, headers=other)
    assert sent.status_code == 201


def test_guest_chat_with_unpublished_agent_is_cut_off(
    client: FlaskClient,
    register: Callable[..., Any],
    guest_headers: Headers,
    new_chat: Callable[..., Chat],
) -> None:
    owner = register("owner")["headers"]
    agent = public_agent(client, owner)
    chat = new_chat(guest_headers, agent["id"])
    set_public(client, owner, agent["id"], False)
    assert client.get("/api/chats", headers=guest_headers).json == []
    assert_agent_unavailable(client.get(f"/api/chats/{chat['id']}", headers=guest_headers))


def test_owner_keeps_chats_with_own_private_agent(
    client: FlaskClient, register: Callable[..., Any], new_chat: Callable[..., Chat]
) -> None:
    owner = register("owner")["headers"]
    agent = public_agent(client, owner)
    chat = new_chat(owner, agent["id"])
    set_public(client, owner, agent["id"], False)
    assert [c["id"] for c in client.get("/api/chats", headers=owner).json] == [chat["id"]]
    sent = client.post(f"/api/chats/{chat['id']}/messages", json={"content": "hi"}, headers=owner)
    assert sent.status_code == 201
