"""Versions: regenerate a reply, edit a message, select the branch shown; nothing is deleted
and the model always receives the branch shown."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import Headers
from tests.fake_openai import Behaviour, Failure

Chat = dict[str, Any]


def send(client: FlaskClient, chat: Chat, headers: Headers, content: str) -> Any:
    response = client.post(
        f"/api/chats/{chat['id']}/messages", json={"content": content}, headers=headers
    )
    assert response.status_code == 201, response.json
    return response.json


def act(client: FlaskClient, chat: Chat, message_id: int, action: str, headers: Headers,
        body: dict[str, Any] | None = None) -> Any:  # fmt: skip
    return client.post(
        f"/api/chats/{chat['id']}/messages/{message_id}/{action}", json=body, headers=headers
    )


def shown(client: FlaskClient, chat: Chat, headers: Headers) -> list[tuple[str, int, int]]:
    """The history listing as (content, version, version_count)."""
    listed = client.get(f"/api/chats/{chat['id']}/messages", headers=headers).json
    return [(m["content"], m["version"], m["version_count"]) for m in listed]


def sent_to_model(upstream: Behaviour) -> list[str]:
    return [m["content"] for m in upstream.requests[-1]["json"]["messages"][1:]]


def test_regenerate_reply_keeps_both_versions_and_asks_the_same_question(
    client: FlaskClient, auth_headers: Headers, new_chat: Callable[..., Chat], upstream: Behaviour
) -> None:
    chat = new_chat(auth_headers)
    send(client, chat, auth_headers, "first")
    second = send(client, chat, auth_headers, "second")
    upstream.reply = "another answer"
    response = act(client, chat, second["ai_message"]["id"], "regenerate", auth_headers)

    assert response.status_code == 201
    turn = response.json
    assert turn["user_message"]["id"] == second["user_message"]["id"]
    assert turn["ai_message"]["parent_id"] == second["user_message"]["id"]
    assert (turn["ai_message"]["version"], turn["ai_message"]["version_count"]) == (2, 2)
    assert sent_to_model(upstream) == ["first", "Echo: first", "second"]
    assert shown(client, chat, auth_headers) == [
        ("first", 1, 1), ("Echo: first", 1, 1), ("second", 1, 1), ("another answer", 2, 2)
    ]  # fmt: skip
    back = act(client, chat, turn["ai_message"]["id"], "select", auth_headers, {"version": 1})
    assert back.status_code == 200 and back.json["id"] == second["ai_message"]["id"]
    assert shown(client, chat, auth_headers)[-1] == ("Echo: second", 1, 2)


def test_edit_message_branches_and_the_model_follows_the_branch_shown(
    client: FlaskClient, auth_headers: Headers, new_chat: Callable[..., Chat], upstream: Behaviour
) -> None:
    chat = new_chat(auth_headers)
    first = send(client, chat, auth_headers, "cats?")
    send(client, chat, auth_headers, "more cats")
    edited = act(
        client, chat, first["user_message"]["id"], "edit", auth_headers, {"content": "dogs?"}
    )

    assert edited.status_code == 201
    assert edited.json["user_message"]["version"] == 2
    assert sent_to_model(upstream) == ["dogs?"]
    assert shown(client, chat, auth_headers) == [("dogs?", 2, 2), ("Echo: dogs?", 1, 1)]
    send(client, chat, auth_headers, "and puppies")
    assert sent_to_model(upstream) == ["dogs?", "Echo: dogs?", "and puppies"]

    # The first version comes back with everything that followed it.
    selected = act(client, chat, edited.json["user_message"]["id"], "select", auth_headers,
                   {"version": 1})  # fmt: skip
    assert selected.status_code == 200
    assert [c for c, _, _ in shown(client, chat, auth_headers)] == [
        "cats?", "Echo: cats?", "more cats", "Echo: more cats"
    ]  # fmt: skip
    send(client, chat, auth_headers, "still cats")
    assert sent_to_model(upstream) == [
        "cats?", "Echo: cats?", "more cats", "Echo: more cats", "still cats"
    ]  # fmt: skip
    # Selecting version 2 again shows its newest continuation.
    act(client, chat, first["user_message"]["id"], "select", auth_headers, {"version": 2})
    assert [c for c, _, _ in shown(client, chat, auth_headers)] == [
        "dogs?", "Echo: dogs?", "and puppies", "Echo: and puppies"
    ]  # fmt: skip


def hidden_turn(client: FlaskClient, chat: Chat, headers: Headers) -> tuple[Any, Any]:
    """Two turns ("cats?", "more cats"), then the first question edited ("dogs?"): both
    turns, the second one off the branch shown now."""
    first = send(client, chat, headers, "cats?")
    more = send(client, chat, headers, "more cats")
    act(client, chat, first["user_message"]["id"], "edit", headers, {"content": "dogs?"})
    return first, more


def test_regenerate_a_reply_off_the_branch_shown_shows_its_branch(
    client: FlaskClient, auth_headers: Headers, new_chat: Callable[..., Chat], upstream: Behaviour
) -> None:
    chat = new_chat(auth_headers)
    _, more = hidden_turn(client, chat, auth_headers)
    upstream.reply = "cats again"

    response = act(client, chat, more["ai_message"]["id"], "regenerate", auth_headers)

    assert response.status_code == 201
    turn = response.json
    assert turn["user_message"]["id"] == more["user_message"]["id"]
    assert (turn["user_message"]["version"], turn["user_message"]["version_count"]) == (1, 1)
    assert (turn["ai_message"]["version"], turn["ai_message"]["version_count"]) == (2, 2)
    assert sent_to_model(upstream) == ["cats?", "Echo: cats?", "more cats"]
    assert shown(client, chat, auth_headers) == [
        ("cats?", 1, 2), ("Echo: cats?", 1, 1), ("more cats", 1, 1), ("cats again", 2, 2)
    ]  # fmt: skip


def test_edit_a_message_off_the_branch_shown_shows_its_branch(
    client: FlaskClient, auth_headers: Headers, new_chat: Callable[..., Chat], upstream: Behaviour
) -> None:
    chat = new_chat(auth_headers)
    first, more = hidden_turn(client, chat, auth_headers)

    response = act(
        client, chat, more["user_message"]["id"], "edit", auth_headers, {"content": "kittens?"}
    )

    assert response.status_code == 201
    turn = response.json
    assert turn["user_message"]["parent_id"] == first["ai_message"]["id"]
    assert (turn["user_message"]["version"], turn["user_message"]["version_count"]) == (2, 2)
    assert sent_to_model(upstream) == ["cats?", "Echo: cats?", "kittens?"]
    assert shown(client, chat, auth_headers) == [
        ("cats?", 1, 2), ("Echo: cats?", 1, 1), ("kittens?", 2, 2), ("Echo: kittens?", 1, 1)
    ]  # fmt: skip


def test_versions_refuse_wrong_messages(
    client: FlaskClient,
    register: Callable[..., dict[str, Any]],
    new_chat: Callable[..., Chat],
    upstream: Behaviour,
) -> None:
    alice = register("alice")["headers"]
    bob = register("bob")["headers"]
    chat = new_chat(alice)
    turn = send(client, chat, alice, "hello")
    question, reply = turn["user_message"]["id"], turn["ai_message"]["id"]
    cases = [
        (question, "regenerate", alice, None, 409),
        (reply, "edit", alice, {"content": "x"}, 409),
        (question, "edit", alice, {"content": "  "}, 422),
        (question, "edit", alice, {}, 422),
        (reply + 1000, "regenerate", alice, None, 404),
        (reply, "regenerate", bob, None, 404),
        (question, "edit", bob, {"content": "mine now"}, 404),
        (question, "select", bob, None, 404),
        (question, "select", alice, {"version": 2}, 404),
        (question, "select", alice, {"version": 0}, 422),
    ]
    for message_id, action, headers, body, status in cases:
        response = act(client, chat, message_id, action, headers, body)
        assert response.status_code == status, (action, body, response.json)
        assert response.json["code"] == status
    assert len(upstream.requests) == 1
    assert shown(client, chat, alice) == [("hello", 1, 1), ("Echo: hello", 1, 1)]


def test_concurrent_regenerate_and_edit_never_corrupt_the_tree(
    app: Flask, auth_headers: Headers, new_chat: Callable[..., Chat], upstream: Behaviour
) -> None:
    client = app.test_client()
    chat = new_chat(auth_headers)
    turn = send(client, chat, auth_headers, "question")
    upstream.latency = 0.2

    def regenerate(_: int) -> int:
        local = app.test_client()
        return act(local, chat, turn["ai_message"]["id"], "regenerate", auth_headers).status_code

    def edit(index: int) -> int:
        local = app.test_client()
        body = {"content": f"edit {index}"}
        return act(local, chat, turn["user_message"]["id"], "edit", auth_headers, body).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(regenerate, range(4))) + list(pool.map(edit, range(3)))
    assert statuses == [201] * 7

    messages = client.get(f"/api/chats/{chat['id']}/messages", headers=auth_headers).json
    assert len(messages) == 2  # one chain: a question and its reply
    assert messages[1]["parent_id"] == messages[0]["id"]
    assert messages[0]["version_count"] == 4  # the original and three edits
    # Versions of the one question are numbered 1..4 without gaps or repeats.
    numbers = [
        act(client, chat, turn["user_message"]["id"], "select", auth_headers, {"version": n}).json[
            "version"
        ]
        for n in range(1, 5)
    ]
    assert numbers == [1, 2, 3, 4]
    act(client, chat, turn["user_message"]["id"], "select", auth_headers, {"version": 1})
    reply = client.get(f"/api/chats/{chat['id']}/messages", headers=auth_headers).json[1]
    assert reply["version_count"] == 5  # the first reply and four regenerations


def test_concurrent_retries_of_one_failed_reply_make_one_upstream_call(
    app: Flask, auth_headers: Headers, new_chat: Callable[..., Chat], upstream: Behaviour
) -> None:
    client = app.test_client()
    chat = new_chat(auth_headers)
    upstream.fail_next("chat", Failure(500))
    failed = client.post(
        f"/api/chats/{chat['id']}/messages", json={"content": "hi"}, headers=auth_headers
    )
    assert failed.status_code == 502
    upstream.latency = 0.5

    def retry(_: int) -> Any:
        response = app.test_client().post(
            f"/api/chats/{chat['id']}/messages/retry", headers=auth_headers
        )
        return response.status_code, response.json

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(retry, range(4)))
    statuses = sorted(status for status, _ in results)
    assert statuses == [201, 409, 409, 409]
    refused = [body for status, body in results if status == 409]
    assert {body["errors"]["reason"] for body in refused} == {"reply_pending"}
    assert len([r for r in upstream.requests if r["endpoint"] == "chat"]) == 2
    answered = next(body for status, body in results if status == 201)
    assert answered["ai_message"]["id"] == failed.json["errors"]["ai_message_id"]
