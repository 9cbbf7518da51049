"""Guest chats kept on sign-up: register or log in with a guest's token takes its chats along."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from flask.testing import FlaskClient

from tests.conftest import TEST_SECRET, Headers, bearer

PASSWORD = "correct horse"


def guest_with_chat(
    client: FlaskClient, guest: Callable[[], dict[str, Any]], new_chat: Callable[..., Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A guest with one chat holding one turn."""
    visitor = guest()
    chat = new_chat(visitor["headers"])
    turn = client.post(
        f"/api/chats/{chat['id']}/messages",
        json={"content": "Plan my trip"},
        headers=visitor["headers"],
    )
    assert turn.status_code == 201, turn.json
    return visitor, chat


def sign_up(client: FlaskClient, username: str, headers: Headers | None = None) -> Any:
    return client.post(
        "/api/auth/register", json={"username": username, "password": PASSWORD}, headers=headers
    )


def log_in(client: FlaskClient, username: str, headers: Headers | None = None) -> Any:
    return client.post(
        "/api/auth/login", json={"username": username, "password": PASSWORD}, headers=headers
    )


def chat_ids(client: FlaskClient, headers: Headers) -> list[int]:
    return [chat["id"] for chat in client.get("/api/chats", headers=headers).json]


def test_register_with_guest_token_keeps_guest_chats(
    client: FlaskClient, guest: Callable[..., Any], new_chat: Callable[..., Any]
) -> None:
    visitor, chat = guest_with_chat(client, guest, new_chat)
    response = sign_up(client, "grace", visitor["headers"])
    assert response.status_code == 201
    assert response.json["claimed_chats"] == 1 and response.json["username"] == "grace"
    account = bearer(log_in(client, "grace").json["access_token"])
    assert chat_ids(client, account) == [chat["id"]]
    messages = client.get(f"/api/chats/{chat['id']}/messages", headers=account).json
    assert [m["content"] for m in messages] == ["Plan my trip", messages[1]["content"]]
    # The guest token is revoked: the guest's chats are gone from it, and it is refused.
    assert client.get("/api/chats", headers=visitor["headers"]).status_code == 401


def test_login_with_guest_token_keeps_guest_chats(
    client: FlaskClient, guest: Callable[..., Any], new_chat: Callable[..., Any]
) -> None:
    assert sign_up(client, "heidi").json["claimed_chats"] == 0
    visitor, chat = guest_with_chat(client, guest, new_chat)
    response = log_in(client, "heidi", visitor["headers"])
    assert response.status_code == 200 and response.json["claimed_chats"] == 1
    assert chat_ids(client, bearer(response.json["access_token"])) == [chat["id"]]


def test_claim_never_touches_another_guests_chats(
    client: FlaskClient, guest: Callable[..., Any], new_chat: Callable[..., Any]
) -> None:
    visitor, mine = guest_with_chat(client, guest, new_chat)
    other, theirs = guest_with_chat(client, guest, new_chat)
    assert sign_up(client, "ivan", visitor["headers"]).json["claimed_chats"] == 1
    account = bearer(log_in(client, "ivan").json["access_token"])
    assert chat_ids(client, account) == [mine["id"]]
    assert chat_ids(client, other["headers"]) == [theirs["id"]]
    assert (
        len(client.get(f"/api/chats/{theirs['id']}/messages", headers=other["headers"]).json) == 2
    )


def test_claim_twice_claims_nothing_the_second_time(
    client: FlaskClient, guest: Callable[..., Any], new_chat: Callable[..., Any]
) -> None:
    visitor, chat = guest_with_chat(client, guest, new_chat)
    assert sign_up(client, "judy", visitor["headers"]).json["claimed_chats"] == 1
    assert sign_up(client, "mallory", visitor["headers"]).json["claimed_chats"] == 0
    assert log_in(client, "mallory", visitor["headers"]).json["claimed_chats"] == 0
    mallory = bearer(log_in(client, "mallory").json["access_token"])
    assert chat_ids(client, mallory) == []
    assert client.get(f"/api/chats/{chat['id']}", headers=mallory).status_code == 404


def test_claim_with_revoked_guest_token_claims_nothing(
    client: FlaskClient, guest: Callable[..., Any], new_chat: Callable[..., Any]
) -> None:
    visitor, _chat = guest_with_chat(client, guest, new_chat)
    assert client.post("/api/auth/logout", headers=visitor["headers"]).status_code == 204
    response = sign_up(client, "ken", visitor["headers"])
    assert response.status_code == 201 and response.json["claimed_chats"] == 0


def forged_guest_token(client: FlaskClient, visitor: dict[str, Any], **changes: Any) -> str:
    """A token for the same guest as `visitor`'s, with some claims changed."""
    claims = jwt.decode(visitor["access_token"], TEST_SECRET, algorithms=["HS256"])
    return jwt.encode({**claims, "jti": "forged-" + claims["jti"], **changes}, TEST_SECRET)


def test_claim_with_expired_tampered_or_wrong_kind_of_token_claims_nothing(
    client: FlaskClient,
    guest: Callable[..., Any],
    new_chat: Callable[..., Any],
    register: Callable[..., Any],
) -> None:
    visitor, chat = guest_with_chat(client, guest, new_chat)
    expired = forged_guest_token(client, visitor, exp=datetime.now(UTC) - timedelta(minutes=1))
    tampered = visitor["access_token"][:-4] + (
        "BBBB" if visitor["access_token"].endswith("AAAA") else "AAAA"
    )
    not_guest = jwt.encode(
        {**jwt.decode(expired, options={"verify_signature": False}), "guest_id": None},
        "a-stolen-key-that-is-not-the-servers-own-0123456789",
    )
    user_token = register("leo")["access_token"]
    for index, token in enumerate(
        [expired, tampered, not_guest, visitor["refresh_token"], user_token, "garbage"]
    ):
        response = sign_up(client, f"user{index}", bearer(token))
        assert response.status_code == 201, token
        assert response.json["claimed_chats"] == 0, token
    # The guest still has its chat.
    assert chat_ids(client, visitor["headers"]) == [chat["id"]]


def test_claim_sent_twice_at_once_moves_the_chats_once(
    app: Any, guest: Callable[..., Any], new_chat: Callable[..., Any], client: FlaskClient
) -> None:
    visitor, chat = guest_with_chat(client, guest, new_chat)
    for name in ("nina", "oscar"):
        assert sign_up(client, name).status_code == 201
    start = threading.Barrier(2)
    results: dict[str, Any] = {}

    def claim(name: str) -> None:
        own_client = app.test_client()
        start.wait()
        response = log_in(own_client, name, visitor["headers"])
        results[name] = (response.status_code, response.json.get("claimed_chats"))

    threads = [threading.Thread(target=claim, args=(name,)) for name in ("nina", "oscar")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results.values()) == [(200, 0), (200, 1)], results
    owners = [name for name, (_, claimed) in results.items() if claimed == 1]
    owner = bearer(log_in(client, owners[0]).json["access_token"])
    assert chat_ids(client, owner) == [chat["id"]]


def test_a_guest_token_whose_family_was_revoked_claims_nothing(
    client: FlaskClient, guest: Callable[[], dict[str, Any]], new_chat: Callable[..., Any]
) -> None:
    visitor, _chat = guest_with_chat(client, guest, new_chat)
    refresh = bearer(visitor["refresh_token"])
    assert client.post("/api/auth/logout", headers=refresh).status_code == 204
    response = sign_up(client, "latecomer", visitor["headers"])
    assert response.status_code == 201, response.json
    assert response.json["claimed_chats"] == 0


def test_a_claim_revokes_the_guests_whole_family(
    client: FlaskClient, guest: Callable[[], dict[str, Any]], new_chat: Callable[..., Any]
) -> None:
    visitor, _chat = guest_with_chat(client, guest, new_chat)
    response = sign_up(client, "claimer", visitor["headers"])
    assert response.json["claimed_chats"] == 1
    refreshed = client.post("/api/auth/refresh", headers=bearer(visitor["refresh_token"]))
    assert refreshed.status_code == 401, refreshed.json
