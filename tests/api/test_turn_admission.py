"""A turn checks its caller's token inside the statement that locks the chat
(shared/auth/standing.py): still exact on the very next request, with the same refusals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.api.test_admin import admin_headers  # noqa: F401  (fixture)
from tests.conftest import Headers, bearer

NewChat = Callable[[Headers], dict[str, Any]]
TURNS = ("send", "retry", "regenerate", "edit", "select")


def turn(client: FlaskClient, headers: Headers, chat_id: int, kind: str) -> Any:
    base = f"/api/chats/{chat_id}/messages"
    listing = client.get(f"{base}?tail=true", headers=headers)
    # A refused token cannot list: the ids then do not matter, the token is refused first.
    history = listing.json if listing.status_code == 200 and listing.json else [{"id": 1}] * 2
    question, reply = history[-2]["id"], history[-1]["id"]
    requests = {
        "send": (base, {"content": "still there?"}),
        "retry": (f"{base}/retry", None),
        "regenerate": (f"{base}/{reply}/regenerate", None),
        "edit": (f"{base}/{question}/edit", {"content": "edited"}),
        "select": (f"{base}/{reply}/select", {}),
    }
    path, body = requests[kind]
    return client.post(path, json=body, headers=headers)


def stored_count(client: FlaskClient, headers: Headers, chat_id: int) -> int:
    response = client.get(f"/api/chats/{chat_id}/messages", headers=headers)
    return len(response.json)


def assert_unauthorized(response: Any, message: str) -> None:
    assert response.status_code == 401, response.json
    assert response.json["message"] == message
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("kind", TURNS)
def test_a_turn_with_a_logged_out_token_is_refused_and_stores_nothing(
    client: FlaskClient, register: Callable[..., Any], new_chat: NewChat, kind: str
) -> None:
    alice = register()
    chat = new_chat(alice["headers"])
    assert turn(client, alice["headers"], chat["id"], "send").status_code == 201
    other = register("bob")  # a second login of someone else keeps working
    assert client.post("/api/auth/logout", headers=alice["headers"]).status_code == 204
    assert_unauthorized(
        turn(client, alice["headers"], chat["id"], kind), "The token has been revoked."
    )
    assert new_chat(other["headers"])["id"]
    fresh = client.post("/api/auth/login", json={"username": "alice", "password": "correct horse"})
    assert stored_count(client, bearer(fresh.json["access_token"]), chat["id"]) == 2


def test_a_turn_after_logout_everywhere_is_refused(
    client: FlaskClient, register: Callable[..., Any], new_chat: NewChat
) -> None:
    alice = register()
    chat = new_chat(alice["headers"])
    assert client.post("/api/auth/logout-all", headers=alice["headers"]).status_code == 204
    assert_unauthorized(
        turn(client, alice["headers"], chat["id"], "send"),
        "The token's account no longer exists.",
    )


def test_a_disabled_account_cannot_take_a_turn(
    client: FlaskClient,
    register: Callable[..., Any],
    new_chat: NewChat,
    admin_headers: Headers,  # noqa: F811
) -> None:
    carol = register("carol", "pass-word-1")
    chat = new_chat(carol["headers"])
    path = f"/api/admin/users/{carol['user']['id']}"
    assert client.patch(path, json={"disabled": True}, headers=admin_headers).status_code == 200
    assert_unauthorized(
        turn(client, carol["headers"], chat["id"], "send"),
        "The token's account no longer exists.",
    )


def test_a_turn_needs_an_access_token(
    client: FlaskClient, register: Callable[..., Any], new_chat: NewChat
) -> None:
    alice = register()
    chat = new_chat(alice["headers"])
    url = f"/api/chats/{chat['id']}/messages"
    assert_unauthorized(
        client.post(url, json={"content": "hi"}),
        "Authentication required: send 'Authorization: Bearer <token>'.",
    )
    refresh = bearer(alice["refresh_token"])
    refused = client.post(url, json={"content": "hi"}, headers=refresh)
    assert refused.status_code == 401
    tampered = bearer(alice["access_token"][:-2] + "xx")
    assert client.post(url, json={"content": "hi"}, headers=tampered).status_code == 401


def test_a_turn_in_someone_elses_chat_is_not_found(
    client: FlaskClient,
    register: Callable[..., Any],
    guest: Callable[[], dict[str, Any]],
    new_chat: NewChat,
) -> None:
    alice, bob, visitor = register(), register("bob"), guest()
    chat = new_chat(alice["headers"])
    for headers in (bob["headers"], visitor["headers"]):
        response = turn(client, headers, chat["id"], "send")
        assert response.status_code == 404, response.json
        assert response.json["errors"]["reason"] == "not_found"
    guest_chat = new_chat(visitor["headers"])
    assert turn(client, visitor["headers"], guest_chat["id"], "send").status_code == 201
    other_guest = guest()
    assert turn(client, other_guest["headers"], guest_chat["id"], "send").status_code == 404
