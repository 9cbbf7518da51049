"""Text turns: history, replies from the real openai SDK against a fake upstream, and failures."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

from tests.conftest import Headers, MakeApp
from tests.fake_openai import Behaviour, Failure

Chat = dict[str, Any]


def send(client: FlaskClient, chat: Chat, headers: Headers, content: str = "Hello") -> Any:
    return client.post(
        f"/api/chats/{chat['id']}/messages", json={"content": content}, headers=headers
    )


def history(client: FlaskClient, chat: Chat, headers: Headers, query: str = "") -> Any:
    return client.get(f"/api/chats/{chat['id']}/messages?{query}", headers=headers)


def test_send_message_stores_both_and_returns_them(
    client: FlaskClient, auth_headers: Headers, new_chat: Callable[..., Chat], upstream: Behaviour
) -> None:
    chat = new_chat(auth_headers)
    response = send(client, chat, auth_headers, "What is 2+2?")
    assert response.status_code == 201
    turn = response.json
    assert turn["user_message"]["message_by"] == "USER"
    assert turn["user_message"]["content"] == "What is 2+2?"
    assert turn["ai_message"]["message_by"] == "AI"
    assert turn["ai_message"]["content"] == "Echo: What is 2+2?"
    assert turn["ai_message"]["created_at"].endswith("+00:00")
    stored = history(client, chat, auth_headers).json
    assert [m["id"] for m in stored] == [turn["user_message"]["id"], turn["ai_message"]["id"]]
    assert stored == [turn["user_message"], turn["ai_message"]]
    question, reply = stored
    assert (question["parent_id"], reply["parent_id"]) == (None, question["id"])
    assert question["status"] == reply["status"] == "complete"
    assert (reply["version"], reply["version_count"]) == (1, 1)
    assert (question["model"], question["usage"]) == (None, None)
    assert reply["model"] == "gpt-6-luna"  # the configured default, as the upstream reports it
    sent = upstream.requests[-1]["json"]["messages"]
    words_sent = sum(len(m["content"].split()) for m in sent)  # the fake counts words
    assert reply["usage"]["prompt_tokens"] == words_sent
    assert reply["usage"]["completion_tokens"] == 4
    assert reply["usage"]["total_ms"] >= 0 and reply["usage"]["first_token_ms"] >= 0


def test_send_message_sends_prompt_and_history_to_model(
    client: FlaskClient, auth_headers: Headers, new_chat: Callable[..., Chat], upstream: Behaviour
) -> None:
    agent = client.post(
        "/api/agents",
        json={"name": "Pirate", "prompt": "Talk like a pirate.", "model": "pirate-model"},
        headers=auth_headers,
    ).json
    chat = new_chat(auth_headers, agent["id"])
    send(client, chat, auth_headers, "first")
    send(client, chat, auth_headers, "second")
    request = upstream.requests[-1]["json"]
    assert request["model"] == "pirate-model"
    assert request["messages"] == [
        {"role": "system", "content": "Talk like a pirate."},
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "Echo: first"},
        {"role": "user", "content": "second"},
    ]
    headers = {k.lower(): v for k, v in upstream.requests[-1]["headers"].items()}
    assert headers["authorization"] == "Bearer test-key"


def test_send_message_history_is_bounded_by_message_count(
    make_app: MakeApp, auth_headers: Headers, new_chat: Callable[..., Chat], upstream: Behaviour
) -> None:
    client = make_app(history_max_messages=3, history_budget_chars=10_000).test_client()
    chat = new_chat(auth_headers)
    for index in range(4):
        send(client, chat, auth_headers, f"message {index}")
    sent = upstream.requests[-1]["json"]["messages"]
    assert [m["content"] for m in sent] == [
        sent[0]["content"],
        "message 2",
        "Echo: message 2",
        "message 3",
    ]
    assert sent[0]["role"] == "developer"  # the default model reasons: see chat_body.py


def test_send_message_history_leaves_out_what_does_not_fit_the_budget(
    make_app: MakeApp, auth_headers: Headers, new_chat: Callable[..., Chat], upstream: Behaviour
) -> None:
    client = make_app(history_max_messages=10, history_budget_chars=30).test_client()
    chat = new_chat(auth_headers)
    send(client, chat, auth_headers, "x" * 40)  # it and its 46-character echo exceed 30
    send(client, chat, auth_headers, "short")
    sent = upstream.requests[-1]["json"]["messages"]
    assert [m["content"] for m in sent[1:]] == ["short"]


def test_send_message_validation(
    client: FlaskClient, auth_headers: Headers, new_chat: Callable[..., Chat], upstream: Behaviour
) -> None:
    chat = new_chat(auth_headers)
    too_long = send(client, chat, auth_headers, "x" * 4001)
    assert too_long.status_code == 422
    assert "4,000" in too_long.json["message"]
    assert send(client, chat, auth_headers, "x" * 4000).status_code == 201
    for body in (
        {},
        {"content": ""},
        {"content": "  \n "},
        {"content": 3},
        {"content": "a", "b": 1},
    ):
        response = client.post(f"/api/chats/{chat['id']}/messages", json=body, headers=auth_headers)
        assert response.status_code == 422, body
    malformed = client.post(
        f"/api/chats/{chat['id']}/messages",
        data='{"content": "unterminated',
        content_type="application/json",
        headers=auth_headers,
    )
    assert malformed.status_code == 400 and malformed.json["code"] == 400
    huge = client.post(
        f"/api/chats/{chat['id']}/messages",
        data=json.dumps({"content": "x" * 200_000}),
        content_type="application/json",
        headers=auth_headers,
    )
    assert huge.status_code == 413 and huge.json["status"] == "Request Entity Too Large"
    assert len(history(client, chat, auth_headers).json) == 2  # only the one valid turn
    assert len(upstream.requests) == 1


def test_send_message_upstream_errors_keep_user_message(
    client: FlaskClient, auth_headers: Headers, new_chat: Callable[..., Chat], upstream: Behaviour
) -> None:
    chat = new_chat(auth_headers)
    cases = [
        (Failure(500), 502, None, "provider_error"),
        (Failure(429, headers={"Retry-After": "7"}), 503, "7", "provider_unavailable"),
        (Failure(200, hang=3.0), 504, None, "provider_timeout"),
        (Failure(401), 502, None, "provider_error"),
    ]
    for failure, status, retry_after, reason in cases:
        upstream.fail_next("chat", failure)
        response = send(client, chat, auth_headers, f"status {failure.status}")
        assert response.status_code == status, failure
        body = response.json
        assert body["code"] == status
        assert "AI provider" in body["message"]
        assert "fake failure" not in json.dumps(body) and "Traceback" not in json.dumps(body)
        assert body["errors"]["stage"] == "llm"
        assert body["errors"]["retry"] == f"POST /api/chats/{chat['id']}/messages/retry"
        assert response.headers.get("Retry-After") == retry_after
        assert body["errors"]["reason"] == reason
        question, reply = history(client, chat, auth_headers, "tail=true&page_size=2").json
        assert question["id"] == body["errors"]["user_message_id"]
        assert question["content"] == f"status {failure.status}"
        assert reply["id"] == body["errors"]["ai_message_id"]
        assert (reply["status"], reply["content"], reply["parent_id"]) == (
            "failed",
            "",
            question["id"],
        )
        assert reply["error"] == {"stage": "llm", "reason": reason, "retryable": True}


def test_retry_answers_the_kept_message(
    client: FlaskClient, auth_headers: Headers, new_chat: Callable[..., Chat], upstream: Behaviour
) -> None:
    chat = new_chat(auth_headers)
    upstream.fail_next("chat", Failure(503))
    failed = send(client, chat, auth_headers, "Are you there?")
    assert failed.status_code == 502
    retry = client.post(f"/api/chats/{chat['id']}/messages/retry", headers=auth_headers)
    assert retry.status_code == 201
    assert retry.json["user_message"]["id"] == failed.json["errors"]["user_message_id"]
    # The failed reply is answered in place: same message, now complete.
    assert retry.json["ai_message"]["id"] == failed.json["errors"]["ai_message_id"]
    assert retry.json["ai_message"]["content"] == "Echo: Are you there?"
    assert retry.json["ai_message"]["status"] == "complete"
    assert retry.json["ai_message"]["error"] is None
    again = client.post(f"/api/chats/{chat['id']}/messages/retry", headers=auth_headers)
    assert again.status_code == 409
    assert again.json["errors"]["reason"] == "nothing_to_retry"
    assert [m["message_by"] for m in history(client, chat, auth_headers).json] == ["USER", "AI"]


def test_retry_in_empty_chat_conflicts(
    client: FlaskClient, auth_headers: Headers, new_chat: Callable[..., Chat]
) -> None:
    chat = new_chat(auth_headers)
    response = client.post(f"/api/chats/{chat['id']}/messages/retry", headers=auth_headers)
    assert response.status_code == 409


def test_empty_upstream_reply_is_a_provider_error(
    client: FlaskClient, auth_headers: Headers, new_chat: Callable[..., Chat], upstream: Behaviour
) -> None:
    upstream.reply = "   "
    response = send(client, chat := new_chat(auth_headers), auth_headers)
    assert response.status_code == 502
    stored = history(client, chat, auth_headers).json
    assert [(m["message_by"], m["status"]) for m in stored] == [
        ("USER", "complete"),
        ("AI", "failed"),
    ]


def test_list_messages_pages_and_tail(
    client: FlaskClient, auth_headers: Headers, new_chat: Callable[..., Chat], upstream: Behaviour
) -> None:
    chat = new_chat(auth_headers)
    for index in range(3):
        send(client, chat, auth_headers, f"m{index}")
    everything = [m["content"] for m in history(client, chat, auth_headers, "page_size=100").json]
    assert everything == ["m0", "Echo: m0", "m1", "Echo: m1", "m2", "Echo: m2"]
    first = history(client, chat, auth_headers, "page=1&page_size=4")
    assert [m["content"] for m in first.json] == everything[:4]
    meta = json.loads(first.headers["X-Pagination"])
    assert meta == {**meta, "total": 6, "total_pages": 2, "page": 1, "next_page": 2}
    newest = history(client, chat, auth_headers, "tail=true&page=1&page_size=4")
    assert [m["content"] for m in newest.json] == everything[2:]
    older = history(client, chat, auth_headers, "tail=true&page=2&page_size=4")
    assert [m["content"] for m in older.json] == everything[:2]
    for query in ("page_size=101", "page=0", "tail=maybe"):
        assert history(client, chat, auth_headers, query).status_code == 422, query


def test_offline_reply_is_labelled(
    make_app: MakeApp, guest_headers: Headers, new_chat: Callable[..., Chat], upstream: Behaviour
) -> None:
    client = make_app(openai_api_key="", llm_provider="offline").test_client()
    response = send(client, new_chat(guest_headers), guest_headers, "Hi there")
    assert response.status_code == 201
    reply = response.json["ai_message"]["content"]
    assert reply.startswith("[Offline mode]") and "Hi there" in reply
    assert upstream.requests == []
