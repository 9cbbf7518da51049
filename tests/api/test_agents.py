"""Agents: listing, creation, changes and who may make them."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import Headers

AGENT = {"name": "Poet", "prompt": "Answer in rhyme."}


def create_agent(client: FlaskClient, headers: Headers, **fields: Any) -> dict[str, Any]:
    response = client.post("/api/agents", json={**AGENT, **fields}, headers=headers)
    assert response.status_code == 201, response.json
    return dict(response.json)


def test_list_agents_as_guest_shows_public_starter(
    client: FlaskClient, guest_headers: Headers
) -> None:
    response = client.get("/api/agents", headers=guest_headers)
    assert response.status_code == 200
    assert [a["name"] for a in response.json] == ["Helpful Assistant"]
    assert response.json[0]["is_public"] is True
    assert json.loads(response.headers["X-Pagination"])["total"] == 1


def test_list_agents_shows_own_and_public_not_others_private(
    client: FlaskClient, register: Callable[..., Any]
) -> None:
    alice, bob = register("alice")["headers"], register("bob")["headers"]
    create_agent(client, alice, name="Alice private")
    create_agent(client, bob, name="Bob private")
    create_agent(client, bob, name="Bob public", is_public=True)
    names = {a["name"] for a in client.get("/api/agents", headers=alice).json}
    assert names == {"Alice private", "Bob public", "Helpful Assistant"}


def test_create_agent(client: FlaskClient, auth_headers: Headers) -> None:
    agent = create_agent(client, auth_headers, model="gpt-test", voice="nova")
    assert agent["name"] == "Poet" and agent["is_public"] is False
    assert agent["model"] == "gpt-test" and agent["voice"] == "nova"
    got = client.get(f"/api/agents/{agent['id']}", headers=auth_headers)
    assert got.status_code == 200 and got.json == agent


def test_create_agent_as_guest_is_forbidden(client: FlaskClient, guest_headers: Headers) -> None:
    response = client.post("/api/agents", json=AGENT, headers=guest_headers)
    assert response.status_code == 403
    assert "register" in response.json["message"]


def test_create_agent_over_limits(client: FlaskClient, auth_headers: Headers) -> None:
    cases = {
        "name": {"name": "n" * 101, "prompt": "p"},
        "prompt": {"name": "n", "prompt": "p" * 8001},
    }
    for field, body in cases.items():
        response = client.post("/api/agents", json=body, headers=auth_headers)
        assert response.status_code == 422
        assert field in response.json["errors"]["json"]  # the schema names the field
        assert "limit" in response.json["message"]
    assert client.get("/api/agents", headers=auth_headers).json[0]["name"] == "Helpful Assistant"


def test_create_agent_invalid_bodies(client: FlaskClient, auth_headers: Headers) -> None:
    bad = [
        {"name": "   ", "prompt": "p"},
        {"prompt": "p"},
        {"name": "n", "prompt": "p", "owner_id": 1},
        {"name": 5, "prompt": "p"},
        {"name": "n", "prompt": "p", "is_public": "maybe"},
    ]
    for body in bad:
        response = client.post("/api/agents", json=body, headers=auth_headers)
        assert response.status_code == 422, body
        assert response.json["code"] == 422
    malformed = client.post(
        "/api/agents", data="{not json", content_type="application/json", headers=auth_headers
    )
    assert malformed.status_code == 400
    assert malformed.json["status"] == "Bad Request"


def test_update_agent_patch_and_put(client: FlaskClient, auth_headers: Headers) -> None:
    agent = create_agent(client, auth_headers)
    patched = client.patch(
        f"/api/agents/{agent['id']}", json={"is_public": True}, headers=auth_headers
    )
    assert patched.status_code == 200
    assert patched.json["is_public"] is True and patched.json["name"] == "Poet"
    put = client.put(
        f"/api/agents/{agent['id']}", json={"name": "Bard", "prompt": "Sing."}, headers=auth_headers
    )
    assert put.status_code == 200
    assert put.json["name"] == "Bard" and put.json["is_public"] is False
    incomplete = client.put(
        f"/api/agents/{agent['id']}", json={"name": "Bard"}, headers=auth_headers
    )
    assert incomplete.status_code == 422


def test_update_agent_of_other_user(client: FlaskClient, register: Callable[..., Any]) -> None:
    alice, bob = register("alice")["headers"], register("bob")["headers"]
    private = create_agent(client, alice)
    public = create_agent(client, alice, is_public=True)
    assert client.patch(f"/api/agents/{private['id']}", json={}, headers=bob).status_code == 404
    assert client.get(f"/api/agents/{private['id']}", headers=bob).status_code == 404
    forbidden = client.patch(f"/api/agents/{public['id']}", json={"name": "x"}, headers=bob)
    assert forbidden.status_code == 403
    assert client.delete(f"/api/agents/{public['id']}", headers=bob).status_code == 403
    assert client.get(f"/api/agents/{public['id']}", headers=alice).json["name"] == "Poet"


def test_update_starter_agent_as_guest_is_forbidden(
    client: FlaskClient, guest_headers: Headers, starter_agent_id: int
) -> None:
    response = client.patch(
        f"/api/agents/{starter_agent_id}", json={"name": "x"}, headers=guest_headers
    )
    assert response.status_code == 403


def test_admin_may_change_any_agent(
    app: Flask, client: FlaskClient, register: Callable[..., Any], starter_agent_id: int
) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["create-superuser", "--username", "root", "--password", "s3cret-pw"]
    )
    assert result.exit_code == 0, result.output
    login = client.post("/api/auth/login", json={"username": "root", "password": "s3cret-pw"})
    admin = {"Authorization": f"Bearer {login.json['access_token']}"}
    assert client.get("/api/auth/me", headers=admin).json["is_admin"] is True
    response = client.patch(
        f"/api/agents/{starter_agent_id}", json={"prompt": "Be brief."}, headers=admin
    )
    assert response.status_code == 200 and response.json["prompt"] == "Be brief."
    # Another user's private agent too (the README: admins may change any agent).
    owner = register("privateowner")["headers"]
    private = client.post(
        "/api/agents", json={"name": "Mine", "prompt": "p", "is_public": False}, headers=owner
    )
    assert private.status_code == 201, private.json
    path = f"/api/agents/{private.json['id']}"
    response = client.patch(path, json={"prompt": "Changed."}, headers=admin)
    assert response.status_code == 200 and response.json["prompt"] == "Changed."
    assert (
        client.patch("/api/agents/999999", json={"prompt": "x"}, headers=admin).status_code == 404
    )


def test_delete_agent_removes_its_chats(
    client: FlaskClient, auth_headers: Headers, new_chat: Callable[..., Any]
) -> None:
    agent = create_agent(client, auth_headers)
    chat = new_chat(auth_headers, agent["id"])
    client.post(f"/api/chats/{chat['id']}/messages", json={"content": "hi"}, headers=auth_headers)
    assert client.delete(f"/api/agents/{agent['id']}", headers=auth_headers).status_code == 204
    assert client.get(f"/api/agents/{agent['id']}", headers=auth_headers).status_code == 404
    assert client.get(f"/api/chats/{chat['id']}", headers=auth_headers).status_code == 404


def test_list_agents_pagination_bounds(client: FlaskClient, auth_headers: Headers) -> None:
    for index in range(3):
        create_agent(client, auth_headers, name=f"Agent {index}")
    page = client.get("/api/agents?page=2&page_size=2", headers=auth_headers)
    assert page.status_code == 200 and len(page.json) == 2
    meta = json.loads(page.headers["X-Pagination"])
    assert meta["total"] == 4 and meta["total_pages"] == 2 and meta["page"] == 2
    for query in ("page=0", "page_size=0", "page_size=101", "page=abc"):
        response = client.get(f"/api/agents?{query}", headers=auth_headers)
        assert response.status_code == 422, query
    beyond = client.get("/api/agents?page=9", headers=auth_headers)
    assert beyond.status_code == 200 and beyond.json == []


def test_update_agent_patch_needs_a_body(client: FlaskClient, auth_headers: Headers) -> None:
    agent = create_agent(client, auth_headers)
    response = client.patch(f"/api/agents/{agent['id']}", headers=auth_headers)
    assert response.status_code == 400
    assert response.json["message"] == "Send a JSON body with the fields to change."
    for body in ({"is_public": 0}, {"name": "\ud800"}, {"model": "m" * 101}):
        assert (
            client.patch(f"/api/agents/{agent['id']}", json=body, headers=auth_headers).status_code
            == 422
        ), body
