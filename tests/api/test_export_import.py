"""Export a chat (Markdown, JSON) or all chats, and import an export file back as new chats."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask.testing import FlaskClient

from shared.core.config import Config
from tests.conftest import Headers
from tests.fake_openai import Behaviour


def chat_with_turns(
    client: FlaskClient, new_chat: Callable[..., Any], headers: Headers, *said: str
) -> dict[str, Any]:
    chat = new_chat(headers)
    for content in said:
        turn = client.post(
            f"/api/chats/{chat['id']}/messages", json={"content": content}, headers=headers
        )
        assert turn.status_code == 201, turn.json
    return dict(client.get(f"/api/chats/{chat['id']}", headers=headers).json)


def messages_of(client: FlaskClient, headers: Headers, chat_id: int) -> list[tuple[str, str]]:
    listed = client.get(f"/api/chats/{chat_id}/messages", headers=headers).json
    return [(m["message_by"], m["content"]) for m in listed]


def test_export_chat_as_markdown(
    client: FlaskClient, auth_headers: Headers, new_chat: Callable[..., Any], upstream: Behaviour
) -> None:
    upstream.reply = "Try **pasta**."
    chat = chat_with_turns(client, new_chat, auth_headers, "What should I cook?")
    response = client.get(f"/api/chats/{chat['id']}/export?format=markdown", headers=auth_headers)
    assert response.status_code == 200
    assert response.mimetype == "text/markdown"
    assert response.headers["Content-Disposition"] == f'attachment; filename="chat-{chat["id"]}.md"'
    text = response.get_data(as_text=True)
    assert text.startswith("# What should I cook?\n")
    assert "- Agent: Helpful Assistant" in text
    assert text.index("**You**") < text.index("What should I cook?\n\n**Helpful Assistant**")
    assert "Try **pasta**." in text


def test_export_chat_as_json(
    client: FlaskClient, auth_headers: Headers, new_chat: Callable[..., Any], upstream: Behaviour
) -> None:
    upstream.reply = "Sure."
    chat = chat_with_turns(client, new_chat, auth_headers, "Hello", "Again")
    response = client.get(f"/api/chats/{chat['id']}/export?format=json", headers=auth_headers)
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    document = json.loads(response.data)
    assert document["format"] == "agent-chatbot.chats" and document["version"] == 1
    (exported,) = document["chats"]
    assert exported["title"] == "Hello" and exported["agent"]["name"] == "Helpful Assistant"
    assert [(m["message_by"], m["content"]) for m in exported["messages"]] == [
        ("USER", "Hello"),
        ("AI", "Sure."),
        ("USER", "Again"),
        ("AI", "Sure."),
    ]
    assert exported["messages"][0]["created_at"].endswith("+00:00")


def test_export_someone_elses_chat_is_not_found(
    client: FlaskClient,
    register: Callable[..., Any],
    guest_headers: Headers,
    new_chat: Callable[..., Any],
) -> None:
    chat = new_chat(register("owner")["headers"])
    for headers in (register("other")["headers"], guest_headers):
        for fmt in ("markdown", "json"):
            response = client.get(f"/api/chats/{chat['id']}/export?format={fmt}", headers=headers)
            assert response.status_code == 404
    response = client.get(f"/api/chats/{chat['id']}/export?format=pdf", headers=guest_headers)
    assert response.status_code == 422


def test_export_all_chats_and_import_them_back(
    client: FlaskClient,
    register: Callable[..., Any],
    new_chat: Callable[..., Any],
    upstream: Behaviour,
) -> None:
    upstream.reply = "Noted, café ☕."
    alice = register("alice")["headers"]
    first = chat_with_turns(client, new_chat, alice, "First chat")
    second = chat_with_turns(client, new_chat, alice, "Second chat", "more 🍳")
    exported = client.get("/api/chats/export", headers=alice)
    assert exported.status_code == 200 and "attachment" in exported.headers["Content-Disposition"]
    document = json.loads(exported.data)
    assert [c["title"] for c in document["chats"]] == ["Second chat", "First chat"]

    bob = register("bob")["headers"]
    response = client.post("/api/chats/import", json=document, headers=bob)
    assert response.status_code == 201, response.json
    assert response.json["imported_chats"] == 2
    imported = {chat["title"]: chat for chat in response.json["chats"]}
    assert set(imported) == {"First chat", "Second chat"}
    for original in (first, second):
        copy = imported[original["title"]]
        assert copy["id"] != original["id"] and copy["updated_at"] == original["updated_at"]
        assert messages_of(client, bob, copy["id"]) == messages_of(client, alice, original["id"])
    # Nothing was overwritten: alice's chats are hers, unchanged.
    assert {c["id"] for c in client.get("/api/chats", headers=alice).json} == {
        first["id"],
        second["id"],
    }


def test_imported_chats_are_marked_and_the_mark_travels_in_the_file(
    client: FlaskClient, auth_headers: Headers, new_chat: Callable[..., Any]
) -> None:
    original = chat_with_turns(client, new_chat, auth_headers, "Original")
    assert original["imported_at"] is None
    document = json.loads(client.get("/api/chats/export", headers=auth_headers).data)
    assert document["chats"][0]["imported_at"] is None  # started here

    (copy,) = client.post("/api/chats/import", json=document, headers=auth_headers).json["chats"]
    assert copy["imported_at"] is not None and copy["imported_at"].endswith("+00:00")
    assert copy["imported_at"] >= copy["updated_at"]  # the time of the import, not the chat's
    listed = {
        c["id"]: c["imported_at"] for c in client.get("/api/chats", headers=auth_headers).json
    }
    assert listed == {original["id"]: None, copy["id"]: copy["imported_at"]}

    # Exported again, the copy says it was imported; importing that file marks a new copy now.
    again = json.loads(
        client.get(f"/api/chats/{copy['id']}/export?format=json", headers=auth_headers).data
    )
    assert again["chats"][0]["imported_at"] == copy["imported_at"]
    (second,) = client.post("/api/chats/import", json=again, headers=auth_headers).json["chats"]
    assert second["imported_at"] >= copy["imported_at"] and second["id"] != copy["id"]


def test_import_refuses_an_imported_at_that_is_no_time(
    client: FlaskClient, auth_headers: Headers, starter_agent_id: int
) -> None:
    agent = {"id": starter_agent_id, "name": "Helpful Assistant"}
    document = export_of("Odd", agent, imported_at="yesterday")
    response = client.post("/api/chats/import", json=document, headers=auth_headers)
    assert response.status_code == 422
    assert "imported_at" in json.dumps(response.json["errors"])


def test_import_keeps_old_times_and_clamps_future_ones_to_now(
    client: FlaskClient, auth_headers: Headers, starter_agent_id: int
) -> None:
    agent = {"id": starter_agent_id, "name": "Helpful Assistant"}
    document = export_of(
        "Old", agent, created_at="0001-01-01T00:00:00+05:00", updated_at="9999-12-31T23:00:00-05:00"
    )
    response = client.post("/api/chats/import", json=document, headers=auth_headers)
    assert response.status_code == 201, response.json
    chat = response.json["chats"][0]
    assert chat["created_at"].startswith("0001-01-01T00:00:00")
    # A far-future activity time would escape the retention purge: it is now at the latest.
    updated = datetime.fromisoformat(chat["updated_at"])
    assert abs((updated - datetime.now(UTC)).total_seconds()) < 300


def test_import_twice_creates_new_chats_each_time(
    client: FlaskClient, auth_headers: Headers, new_chat: Callable[..., Any]
) -> None:
    chat = chat_with_turns(client, new_chat, auth_headers, "Only chat")
    document = json.loads(client.get("/api/chats/export", headers=auth_headers).data)
    for _ in range(2):
        assert (
            client.post("/api/chats/import", json=document, headers=auth_headers).status_code == 201
        )
    titles = [c["title"] for c in client.get("/api/chats", headers=auth_headers).json]
    assert titles.count("Only chat") == 3 and chat["id"] in [
        c["id"] for c in client.get("/api/chats", headers=auth_headers).json
    ]


def export_of(title: str, agent: dict[str, Any], **chat: Any) -> dict[str, Any]:
    at = "2026-11-30T10:00:00+00:00"
    return {
        "format": "agent-chatbot.chats",
        "version": 1,
        "chats": [
            {
                "title": title,
                "agent": agent,
                "created_at": at,
                "updated_at": at,
                "messages": [{"message_by": "USER", "content": "hi", "created_at": at}],
                **chat,
            }
        ],
    }


def test_import_picks_a_visible_agent_by_id_then_name(
    client: FlaskClient, register: Callable[..., Any], starter_agent_id: int
) -> None:
    alice = register("alice")["headers"]
    private = client.post("/api/agents", json={"name": "Tutor", "prompt": "p"}, headers=alice).json
    bob = register("bob")["headers"]
    own = client.post("/api/agents", json={"name": "Tutor", "prompt": "q"}, headers=bob).json
    # Alice's private agent id is not Bob's to use; his own agent of that name is.
    response = client.post(
        "/api/chats/import",
        json=export_of("Lesson", {"id": private["id"], "name": "Tutor"}),
        headers=bob,
    )
    assert response.status_code == 201 and response.json["chats"][0]["agent_id"] == own["id"]
    by_id = export_of("Hello", {"id": starter_agent_id, "name": "Renamed since"})
    assert (
        client.post("/api/chats/import", json=by_id, headers=bob).json["chats"][0]["agent_id"]
        == starter_agent_id
    )


def test_import_with_no_usable_agent_imports_nothing(
    client: FlaskClient, register: Callable[..., Any]
) -> None:
    alice = register("alice")["headers"]
    private = client.post("/api/agents", json={"name": "Secret", "prompt": "p"}, headers=alice).json
    bob = register("bob")["headers"]
    document = export_of("A", {"id": private["id"], "name": "Secret"})
    response = client.post("/api/chats/import", json=document, headers=bob)
    assert response.status_code == 404
    assert response.json["errors"]["reason"] == "agent_unavailable"
    assert response.json["errors"]["chats"] == {"0": ["No agent you can use has this id or name."]}
    assert client.get("/api/chats", headers=bob).json == []


def test_import_invalid_files_are_refused_with_the_field(
    client: FlaskClient, auth_headers: Headers, starter_agent_id: int
) -> None:
    agent = {"id": starter_agent_id, "name": "Helpful Assistant"}
    good = export_of("Fine", agent)
    naive = "2026-11-30T10:00:00"
    cases = {
        "format": {**good, "format": "something-else"},
        "version": {**good, "version": 2},
        "chats": {"format": good["format"], "version": 1},
        "title": export_of("   ", agent),
        "message_by": export_of(
            "x", agent, messages=[{"message_by": "SYSTEM", "content": "x", "created_at": naive}]
        ),
        "created_at": export_of("x", agent, created_at=naive),
        "updated_at": export_of("x", agent, updated_at="yesterday"),
        "agent": export_of("x", {"id": "one"}),
    }
    for field, document in cases.items():
        response = client.post("/api/chats/import", json=document, headers=auth_headers)
        assert response.status_code == 422, field
        assert field in json.dumps(response.json["errors"]), field
    assert client.post(
        "/api/chats/import",
        data="not json",
        headers={**auth_headers, "Content-Type": "application/json"},
    ).status_code in (400, 422)
    assert client.get("/api/chats", headers=auth_headers).json == []


def test_import_larger_than_the_limit_is_refused(
    config: Config, client: FlaskClient, auth_headers: Headers, starter_agent_id: int
) -> None:
    agent = {"id": starter_agent_id, "name": "Helpful Assistant"}
    at = "2026-11-30T10:00:00+00:00"
    message = {"message_by": "AI", "content": "x" * 90_000, "created_at": at}
    big = export_of("Big", agent, messages=[message] * 70)  # ~6.3 MB, over the 5 MiB default
    response = client.post("/api/chats/import", json=big, headers=auth_headers)
    assert response.status_code == 413
    assert f"{config.max_import_bytes:,} bytes" in response.json["message"]
    # Above the 64 KiB limit of other bodies, below the import limit: accepted.
    within = message | {"content": "x" * config.max_reply_chars}  # each within the reply cap
    medium = export_of("Medium", agent, messages=[within] * 5)
    assert client.post("/api/chats/import", json=medium, headers=auth_headers).status_code == 201
    # Other endpoints keep their own, smaller limit.
    too_long = client.post(
        "/api/agents", json={"name": "n", "prompt": "p" * 70_000}, headers=auth_headers
    )
    assert too_long.status_code == 413


def test_export_and_import_need_a_token(client: FlaskClient) -> None:
    assert client.get("/api/chats/export").status_code == 401
    assert client.get("/api/chats/1/export").status_code == 401
    assert client.post("/api/chats/import", json=export_of("x", {"name": "y"})).status_code == 401
