"""Budgets on every kind of text turn (message, retry, regenerate, edit): checked before the
turn starts, charged the reply's usage when it ends, given back when it fails or cannot start.
The fake upstream reports one token per word."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared.core.config import Config
from tests.api.test_quotas import assert_over_budget, budget, budget_client, say
from tests.conftest import Headers
from tests.fake_openai import Behaviour, Failure


def messages(chat_id: int) -> str:
    return f"/api/chats/{chat_id}/messages"


def call_tokens(upstream: Behaviour, reply_words: int) -> int:
    """What the fake reported for its latest chat call: one token per word each way."""
    sent = [r["json"] for r in upstream.requests if r["endpoint"] == "chat"][-1]
    return sum(len(m["content"].split()) for m in sent["messages"]) + reply_words


def test_regenerate_edit_and_retry_are_refused_over_budget_and_store_nothing(
    config: Config, guest: Callable[[], Any], new_chat: Callable[..., Any], upstream: Behaviour
) -> None:
    client = budget_client(config, quota_guest_tokens_per_day=1)
    headers = guest()["headers"]
    chat = new_chat(headers)
    turn = say(client, headers, chat["id"]).json
    calls = len(upstream.requests)
    path = messages(chat["id"])
    refused = [
        client.post(f"{path}/{turn['ai_message']['id']}/regenerate", headers=headers),
        client.post(
            f"{path}/{turn['user_message']['id']}/edit", json={"content": "x"}, headers=headers
        ),
        client.post(f"{path}/retry", headers=headers),
    ]
    for response in refused:
        assert_over_budget(response, "guest", "The daily budget for guests")
    stored = client.get(path, headers=headers).json
    assert [(m["content"], m["version_count"]) for m in stored] == [
        ("hello there", 1),
        (turn["ai_message"]["content"], 1),
    ]
    assert len(upstream.requests) == calls


def test_every_kind_of_turn_is_charged_what_its_reply_used(
    config: Config, guest: Callable[[], Any], new_chat: Callable[..., Any], upstream: Behaviour
) -> None:
    client = budget_client(config, quota_guest_tokens_per_day=100_000)
    headers = guest()["headers"]
    chat = new_chat(headers)
    path = messages(chat["id"])
    upstream.reply = "two words"
    turn = say(client, headers, chat["id"]).json
    expected = call_tokens(upstream, 2)
    assert budget(client, headers, "guest")["used"] == expected
    upstream.reply = "now three words"
    again = client.post(f"{path}/{turn['ai_message']['id']}/regenerate", headers=headers)
    assert again.status_code == 201
    expected += call_tokens(upstream, 3)
    assert budget(client, headers, "guest")["used"] == expected
    upstream.reply = "four words this time"
    edited = client.post(
        f"{path}/{turn['user_message']['id']}/edit", json={"content": "edited"}, headers=headers
    )
    assert edited.status_code == 201 and edited.json["ai_message"]["usage"]["completion_tokens"]
    expected += call_tokens(upstream, 4)
    assert budget(client, headers, "guest")["used"] == expected


def test_a_turn_that_cannot_start_gives_its_reservation_back(
    config: Config, guest: Callable[[], Any], new_chat: Callable[..., Any]
) -> None:
    client = budget_client(config, quota_guest_tokens_per_day=100_000)
    headers = guest()["headers"]
    chat = new_chat(headers)
    turn = say(client, headers, chat["id"]).json
    used = budget(client, headers, "guest")["used"]
    path = messages(chat["id"])
    not_a_reply = client.post(f"{path}/{turn['user_message']['id']}/regenerate", headers=headers)
    nothing_to_retry = client.post(f"{path}/retry", headers=headers)
    not_found = client.post(f"{messages(999_999)}/retry", headers=headers)
    assert (not_a_reply.status_code, nothing_to_retry.status_code) == (409, 409)
    assert not_found.status_code == 404
    assert budget(client, headers, "guest")["used"] == used


def test_a_failed_reply_is_free_and_its_retry_is_charged_once(
    config: Config, guest: Callable[[], Any], new_chat: Callable[..., Any], upstream: Behaviour
) -> None:
    client = budget_client(config, quota_guest_tokens_per_day=100_000)
    headers: Headers = guest()["headers"]
    chat = new_chat(headers)
    upstream.fail_next("chat", Failure(status=500))
    assert say(client, headers, chat["id"]).status_code == 502
    assert budget(client, headers, "guest")["used"] == 0
    upstream.reply = "answered at last"
    retried = client.post(f"{messages(chat['id'])}/retry", headers=headers)
    assert retried.status_code == 201 and retried.json["ai_message"]["status"] == "complete"
    assert budget(client, headers, "guest")["used"] == call_tokens(upstream, 3)
