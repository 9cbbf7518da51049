"""The history listing's total is the shown branch's length, read from its tip's depth (never a
count of the branch): right after turns, regenerations, edits, version switches and imports,
and as cheap for a long chat as for a short one."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from api.extensions import db
from shared.core.models import Message
from tests.api.test_versions import act, send
from tests.conftest import Headers
from tests.fake_openai import Behaviour, Failure
from tests.sqlcount import counted

Chat = dict[str, Any]
AT = "2026-11-30T10:00:{:02d}+00:00"


def acted(client: FlaskClient, chat: Chat, message_id: int, action: str, headers: Headers,
          body: dict[str, Any] | None = None) -> Any:  # fmt: skip
    """`act` (a version action), checked to succeed; its JSON."""
    response = act(client, chat, message_id, action, headers, body)
    assert response.status_code in (200, 201), response.json
    return response.json


def page(client: FlaskClient, chat: Chat, headers: Headers, query: str) -> tuple[list[str], int]:
    """The page's contents and the `total` of its `X-Pagination` header."""
    response = client.get(f"/api/chats/{chat['id']}/messages?{query}", headers=headers)
    assert response.status_code == 200, response.json
    meta = json.loads(response.headers["X-Pagination"])
    return [m["content"] for m in response.json], int(meta["total"])


def total_and_branch(client: FlaskClient, chat: Chat, headers: Headers) -> tuple[int, list[str]]:
    """The total every kind of page reports (they agree) and the branch read page by page."""
    newest, total = page(client, chat, headers, "tail=true&page_size=3")
    branch: list[str] = []
    for number in range(1, 100):
        items, page_total = page(client, chat, headers, f"page={number}&page_size=3")
        assert page_total == total
        if not items:
            break
        branch += items
    assert newest == branch[-3:]
    assert page(client, chat, headers, "tail=true&page=2&page_size=3") == (branch[-6:-3], total)
    return total, branch


def assert_depths_right(app: Flask, chat_id: int) -> None:
    """Every message of the chat sits one below its parent, a first message at depth 1, and the
    shown branch has as many messages as its tip's depth."""
    parent = sa.orm.aliased(Message)
    with app.app_context():
        rows = db.session.execute(
            sa.select(Message.id, Message.depth, parent.depth)
            .outerjoin(parent, parent.id == Message.parent_id)
            .where(Message.chat_id == chat_id)
        ).all()
        shown = db.session.scalars(
            sa.select(Message.depth)
            .where(Message.chat_id == chat_id, Message.selected.is_(True))
            .order_by(Message.created_at, Message.id)
        ).all()
    assert rows
    assert all(depth == (above or 0) + 1 for _, depth, above in rows), rows
    assert list(shown) == list(range(1, len(shown) + 1))


def test_total_follows_the_branch_through_regenerate_edit_and_select(
    app: Flask,
    client: FlaskClient,
    auth_headers: Headers,
    new_chat: Callable[..., Chat],
    upstream: Behaviour,
) -> None:
    chat = new_chat(auth_headers)
    assert total_and_branch(client, chat, auth_headers) == (0, [])
    first = send(client, chat, auth_headers, "one")
    second = send(client, chat, auth_headers, "two")
    send(client, chat, auth_headers, "three")
    assert total_and_branch(client, chat, auth_headers) == (
        6, ["one", "Echo: one", "two", "Echo: two", "three", "Echo: three"]
    )  # fmt: skip

    # Regenerating the second reply drops the third turn from the branch.
    upstream.reply = "again"
    regenerated = acted(client, chat, second["ai_message"]["id"], "regenerate", auth_headers)
    assert total_and_branch(client, chat, auth_headers) == (
        4, ["one", "Echo: one", "two", "again"]
    )  # fmt: skip
    # Back to the first version: the branch through it, with the third turn again.
    acted(client, chat, regenerated["ai_message"]["id"], "select", auth_headers, {"version": 1})
    assert total_and_branch(client, chat, auth_headers)[0] == 6

    # Editing the first question: a two-message branch, which then grows.
    upstream.reply = None
    edited = acted(client, chat, first["user_message"]["id"], "edit", auth_headers,
                 {"content": "uno"})  # fmt: skip
    assert total_and_branch(client, chat, auth_headers) == (2, ["uno", "Echo: uno"])
    send(client, chat, auth_headers, "dos")
    assert total_and_branch(client, chat, auth_headers)[0] == 4
    # The first version again, with its newest reply ("again") and nothing after it.
    acted(client, chat, edited["user_message"]["id"], "select", auth_headers, {"version": 1})
    assert total_and_branch(client, chat, auth_headers) == (
        4, ["one", "Echo: one", "two", "again"]
    )  # fmt: skip

    # A failed reply is kept, and retrying it answers in place: the branch keeps its length.
    upstream.fail_next("chat", Failure(503))
    failed = client.post(
        f"/api/chats/{chat['id']}/messages", json={"content": "four"}, headers=auth_headers
    )
    assert failed.status_code == 502
    assert total_and_branch(client, chat, auth_headers)[0] == 6
    retry = client.post(f"/api/chats/{chat['id']}/messages/retry", headers=auth_headers)
    assert retry.status_code == 201, retry.json
    assert total_and_branch(client, chat, auth_headers)[0] == 6
    assert_depths_right(app, chat["id"])


def export_of(agent_id: int, messages: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "format": "agent-chatbot.chats",
        "version": 1,
        "chats": [
            {
                "title": "Imported",
                "agent": {"id": agent_id, "name": "Helpful Assistant"},
                "created_at": AT.format(0),
                "updated_at": AT.format(59),
                "messages": messages,
            }
        ],
    }


def imported(client: FlaskClient, headers: Headers, agent_id: int, count: int) -> Chat:
    messages = [
        {
            "message_by": "USER" if n % 2 == 0 else "AI",
            "content": f"m{n}",
            "created_at": f"2026-11-30T{n // 3600:02d}:{n // 60 % 60:02d}:{n % 60:02d}+00:00",
        }
        for n in range(count)
    ]
    response = client.post("/api/chats/import", json=export_of(agent_id, messages), headers=headers)
    assert response.status_code == 201, response.json
    chat: Chat = response.json["chats"][0]
    return chat


def test_an_imported_chat_is_one_branch_in_time_order(
    app: Flask, client: FlaskClient, auth_headers: Headers, starter_agent_id: int
) -> None:
    # Written out of time order (an edited file): the branch is the messages in time order.
    messages = [
        {"message_by": "USER", "content": "first", "created_at": AT.format(1)},
        {"message_by": "USER", "content": "third", "created_at": AT.format(3)},
        {"message_by": "AI", "content": "second", "created_at": AT.format(2)},
        {"message_by": "AI", "content": "fourth", "created_at": AT.format(3)},
    ]
    response = client.post(
        "/api/chats/import", json=export_of(starter_agent_id, messages), headers=auth_headers
    )
    assert response.status_code == 201, response.json
    chat = response.json["chats"][0]
    assert total_and_branch(client, chat, auth_headers) == (
        4, ["first", "second", "third", "fourth"]
    )  # fmt: skip
    send(client, chat, auth_headers, "fifth")
    assert total_and_branch(client, chat, auth_headers)[0] == 6
    assert_depths_right(app, chat["id"])


def test_the_newest_page_costs_the_same_for_10_and_1000_messages(
    app: Flask, client: FlaskClient, auth_headers: Headers, starter_agent_id: int
) -> None:
    with app.app_context():
        engine = db.engine
    statements = {}
    for count in (10, 1000):
        chat = imported(client, auth_headers, starter_agent_id, count)
        url = f"/api/chats/{chat['id']}/messages?tail=true&page_size=5"
        with counted(engine) as tally:
            response = client.get(url, headers=auth_headers)
        assert response.status_code == 200
        assert [m["content"] for m in response.json] == [f"m{n}" for n in range(count - 5, count)]
        assert json.loads(response.headers["X-Pagination"])["total"] == count
        assert not [s for s in tally.statements if "count(" in s.lower()], tally.report()
        statements[count] = len(tally.statements)
        # A later page reads the total once, then the page: no count either.
        with counted(engine) as later:
            older = client.get(f"{url}&page=2", headers=auth_headers)
        assert [m["content"] for m in older.json] == [f"m{n}" for n in range(count - 10, count - 5)]
        assert json.loads(older.headers["X-Pagination"])["total"] == count
        assert not [s for s in later.statements if "count(" in s.lower()], later.report()
    assert statements[10] == statements[1000]
    assert_depths_right(app, chat["id"])
