"""What turns and reads cost the database, counted (see tests/sqlcount.py).

The numbers do not depend on the machine, so they are asserted: a change that adds a query,
a reload after commit or a commit fails here. On PostgreSQL every statement, BEGIN and COMMIT
is a round trip; on SQLite (in-process) the statements are what costs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api.extensions import db
from tests.conftest import Headers
from tests.fake_openai import Behaviour, Failure
from tests.sqlcount import Tally, counted

NewChat = Callable[[Headers], dict[str, Any]]


def tally_of(app: Flask, request: Callable[[], Any]) -> tuple[Any, Tally]:
    with app.app_context():
        engine = db.engine
    with counted(engine) as tally:
        response = request()
    return response, tally


def on_postgresql(app: Flask) -> bool:
    with app.app_context():
        return db.engine.dialect.name == "postgresql"


def say(client: FlaskClient, headers: Headers, chat_id: int, content: str) -> Any:
    return client.post(f"/api/chats/{chat_id}/messages", json={"content": content}, headers=headers)


def assert_a_turns_cost(app: Flask, tally: Tally, budgets: bool = False) -> None:
    """Two commits; at most 6 round trips on PostgreSQL (token + account, lock + agent, branch
    end, all three INSERTs, COMMIT; the finish), one more when the caller has limited budgets
    (their scopes' advisory lock, which makes check and reservation atomic across processes),
    at most 8 statements on SQLite (the batched statements run one by one; the chat's UPDATE
    already holds SQLite's write lock, so no lock statement there)."""
    assert tally.commits == 2, tally.report()
    if on_postgresql(app):
        assert tally.round_trips <= 6 + budgets, tally.report()
    else:
        assert len(tally.statements) <= 8, tally.report()


def test_a_text_turn_takes_two_commits_and_at_most_six_round_trips(
    app: Flask, client: FlaskClient, auth_headers: Headers, new_chat: NewChat
) -> None:
    chat = new_chat(auth_headers)
    say(client, auth_headers, chat["id"], "the first turn names the chat")
    response, tally = tally_of(app, lambda: say(client, auth_headers, chat["id"], "Hi"))
    assert response.status_code == 201, response.json
    assert response.json["ai_message"]["status"] == "complete"
    assert_a_turns_cost(app, tally)


def test_a_guests_turn_checks_its_budgets_in_the_same_round_trips(
    app: Flask, client: FlaskClient, guest_headers: Headers, new_chat: NewChat
) -> None:
    # Guests have daily budgets by default: they are read in the statement that locks the chat.
    chat = new_chat(guest_headers)
    say(client, guest_headers, chat["id"], "the first turn names the chat")
    response, tally = tally_of(app, lambda: say(client, guest_headers, chat["id"], "Hi"))
    assert response.status_code == 201, response.json
    assert_a_turns_cost(app, tally, budgets=True)


def test_a_failed_turn_takes_two_commits(
    app: Flask, client: FlaskClient, auth_headers: Headers, new_chat: NewChat, upstream: Behaviour
) -> None:
    chat = new_chat(auth_headers)
    upstream.fail_next("chat", Failure(500))
    response, tally = tally_of(app, lambda: say(client, auth_headers, chat["id"], "Hi"))
    assert response.status_code == 502, response.json
    assert_a_turns_cost(app, tally)


@pytest.mark.parametrize(
    ("action", "body", "statements"), [("regenerate", None, 8), ("edit", {"content": "Hey"}, 9)]
)
def test_a_new_version_takes_two_commits_and_eight_round_trips(
    app: Flask,
    client: FlaskClient,
    auth_headers: Headers,
    new_chat: NewChat,
    action: str,
    body: dict[str, str] | None,
    statements: int,
) -> None:
    chat = new_chat(auth_headers)
    say(client, auth_headers, chat["id"], "one")
    turn = say(client, auth_headers, chat["id"], "two").json
    target = turn["ai_message" if action == "regenerate" else "user_message"]["id"]
    url = f"/api/chats/{chat['id']}/messages/{target}/{action}"
    response, tally = tally_of(app, lambda: client.post(url, json=body, headers=auth_headers))
    assert response.status_code == 201, response.json
    assert response.json["ai_message"]["version"] == (2 if action == "regenerate" else 1)
    # BEGIN, the lock, the message with the one it follows, the branch cut with the new
    # version counted (one UPDATE), the INSERT, the context read, COMMIT; the finish.
    assert tally.commits == 2, tally.report()
    if on_postgresql(app):
        assert tally.round_trips == 8, tally.report()
    else:
        assert len(tally.statements) == statements, tally.report()


def test_a_history_page_takes_three_round_trips(
    app: Flask, client: FlaskClient, auth_headers: Headers, new_chat: NewChat
) -> None:
    chat = new_chat(auth_headers)
    for content in ("one", "two"):
        say(client, auth_headers, chat["id"], content)
    url = f"/api/chats/{chat['id']}/messages?tail=true&page_size=30"
    response, tally = tally_of(app, lambda: client.get(url, headers=auth_headers))
    assert response.status_code == 200
    assert [m["content"] for m in response.json] == ["one", "Echo: one", "two", "Echo: two"]
    assert len(response.json) == 4
    assert '"total": 4' in response.headers["X-Pagination"]
    # the token and account, the chat, the page with its total; no BEGIN, no COMMIT
    assert tally.round_trips == 3, tally.report()


@pytest.mark.parametrize("page", [2, 3])
def test_later_history_pages_count_then_read(
    app: Flask, client: FlaskClient, auth_headers: Headers, new_chat: NewChat, page: int
) -> None:
    chat = new_chat(auth_headers)
    for content in ("one", "two"):
        say(client, auth_headers, chat["id"], content)
    url = f"/api/chats/{chat['id']}/messages?page={page}&page_size=3"
    response = client.get(url, headers=auth_headers)
    assert response.status_code == 200
    assert len(response.json) == (1 if page == 2 else 0)
    assert '"total": 4' in response.headers["X-Pagination"]


@pytest.mark.parametrize(
    "path", ["/api/chats", "/api/chats/{chat}", "/api/agents", "/api/agents/{agent}"]
)
def test_a_read_takes_two_round_trips_and_no_transaction(
    app: Flask, client: FlaskClient, auth_headers: Headers, new_chat: NewChat, path: str
) -> None:
    chat = new_chat(auth_headers)
    url = path.format(chat=chat["id"], agent=chat["agent_id"])
    response, tally = tally_of(app, lambda: client.get(url, headers=auth_headers))
    assert response.status_code == 200, response.json
    # the token's account with its revocation, then what is read; no BEGIN, no ROLLBACK
    assert tally.round_trips == 2, tally.report()
