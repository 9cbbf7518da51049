"""Turns with an agent that has files: the passage retrieved from a long document goes to the
model in a delimited block and comes back as the reply's sources; only that agent's files are
read; a deleted file is never used again; guests are answered from files, never shown them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.api.test_agents import create_agent
from tests.api.test_knowledge_files import drain, upload
from tests.conftest import Headers, MakeApp
from tests.fake_openai import Behaviour
from tests.knowledge_files import docx_file, long_document, pdf_file

NEEDLE = "The emergency shutoff valve is painted teal and sits behind panel Q7."
QUESTION = "Where is the emergency shutoff valve?"


@pytest.fixture
def app(make_app: MakeApp, tmp_path: Path) -> Flask:
    return make_app(knowledge_queue_path=str(tmp_path / "queue.db"))


def agent_with(
    client: FlaskClient, app: Flask, headers: Headers, data: bytes, **fields: Any
) -> dict[str, Any]:
    agent = create_agent(client, headers, **fields)
    made = upload(client, headers, agent["id"], data, "manual.md")
    assert made.status_code == 202, made.json
    drain(app)
    return {**agent, "file": made.json}


def ask(client: FlaskClient, headers: Headers, agent_id: int, content: str = QUESTION) -> Any:
    chat = client.post(f"/api/agents/{agent_id}/chats", json={}, headers=headers).json
    response = client.post(
        f"/api/chats/{chat['id']}/messages", json={"content": content}, headers=headers
    )
    assert response.status_code == 201, response.json
    return {**response.json, "chat": chat}


def reference_block(upstream: Behaviour) -> str | None:
    messages = upstream.requests[-1]["json"]["messages"]
    blocks = [m["content"] for m in messages[1:] if m["role"] in ("system", "developer")]
    return blocks[0] if blocks else None


def test_the_passage_from_a_long_document_answers(
    client: FlaskClient, app: Flask, auth_headers: Headers, upstream: Behaviour
) -> None:
    agent = agent_with(client, app, auth_headers, long_document(NEEDLE).encode())
    assert agent["file"]["size"] > 20_000
    turn = ask(client, auth_headers, agent["id"])
    block = reference_block(upstream)
    assert block is not None and "<references>" in block and "</references>" in block
    assert NEEDLE in block
    sent = upstream.requests[-1]["json"]["messages"]
    assert sent[0]["role"] in ("system", "developer") and sent[-1] == {
        "role": "user",
        "content": QUESTION,
    }
    sources = turn["ai_message"]["sources"]
    assert sources[0]["file_name"] == "manual.md" and NEEDLE in sources[0]["snippet"]
    assert set(sources[0]) == {"file_id", "file_name", "chunk", "snippet", "score"}
    assert sum(len(s["snippet"]) for s in sources) <= 6000
    # Stored and listed with the message, and in the export.
    listed = client.get(f"/api/chats/{turn['chat']['id']}/messages", headers=auth_headers).json
    assert listed[-1]["sources"] == sources
    exported = client.get(
        f"/api/chats/{turn['chat']['id']}/export?format=json", headers=auth_headers
    )
    assert exported.status_code == 200
    assert "manual.md" in exported.get_data(as_text=True)


def test_pdf_and_docx_made_here_are_answered_from(
    client: FlaskClient, app: Flask, auth_headers: Headers, upstream: Behaviour
) -> None:
    pdf = pdf_file(["Nothing here but weather.", "The llama named Pedro eats clover at noon."])
    agent = agent_with(client, app, auth_headers, pdf)
    turn = ask(client, auth_headers, agent["id"], "What does Pedro the llama eat?")
    assert "clover" in turn["ai_message"]["sources"][0]["snippet"]
    document = docx_file(
        [("Feeding", ["Alpacas named Rosa drink rainwater."]), ("Other", ["Unrelated."])]
    )
    agent = agent_with(client, app, auth_headers, document)
    turn = ask(client, auth_headers, agent["id"], "What does Rosa drink?")
    assert "rainwater" in turn["ai_message"]["sources"][0]["snippet"]
    assert "Feeding" in (reference_block(upstream) or "")


def test_retrieval_reads_only_that_agents_files(
    client: FlaskClient, app: Flask, register: Callable[..., Any], upstream: Behaviour
) -> None:
    alice, bob = register("alice")["headers"], register("bob")["headers"]
    agent_with(client, app, alice, NEEDLE.encode())
    bobs = agent_with(client, app, bob, b"Bob's notes on valves: the red one is decorative.")
    turn = ask(client, bob, bobs["id"])
    assert NEEDLE not in (reference_block(upstream) or "")
    assert all(
        s["file_name"] == "manual.md" and "teal" not in s["snippet"]
        for s in turn["ai_message"]["sources"]
    )
    plain = create_agent(client, bob)
    turn = ask(client, bob, plain["id"])
    assert reference_block(upstream) is None and turn["ai_message"]["sources"] is None


def test_a_deleted_file_is_never_used_again(
    client: FlaskClient, app: Flask, auth_headers: Headers, upstream: Behaviour
) -> None:
    agent = agent_with(client, app, auth_headers, NEEDLE.encode())
    assert ask(client, auth_headers, agent["id"])["ai_message"]["sources"]
    path = f"/api/agents/{agent['id']}/files/{agent['file']['id']}"
    assert client.delete(path, headers=auth_headers).status_code == 204
    turn = ask(client, auth_headers, agent["id"])
    assert reference_block(upstream) is None and turn["ai_message"]["sources"] is None


def test_guests_are_answered_from_files_never_shown_them(
    client: FlaskClient,
    app: Flask,
    auth_headers: Headers,
    guest_headers: Headers,
    upstream: Behaviour,
) -> None:
    agent = agent_with(client, app, auth_headers, NEEDLE.encode(), is_public=True)
    turn = ask(client, guest_headers, agent["id"])
    assert NEEDLE in (reference_block(upstream) or "")
    assert [s["snippet"] for s in turn["ai_message"]["sources"]] == [""]
    assert client.get(f"/api/agents/{agent['id']}/files", headers=guest_headers).status_code == 403


def test_regenerate_and_edit_answer_from_files(
    client: FlaskClient, app: Flask, auth_headers: Headers, upstream: Behaviour
) -> None:
    agent = agent_with(client, app, auth_headers, long_document(NEEDLE).encode())
    turn = ask(client, auth_headers, agent["id"], "Tell me about filters.")
    chat_id = turn["chat"]["id"]
    again = client.post(
        f"/api/chats/{chat_id}/messages/{turn['ai_message']['id']}/regenerate",
        json={},
        headers=auth_headers,
    )
    assert again.status_code == 201, again.json
    assert again.json["ai_message"]["sources"]
    edited = client.post(
        f"/api/chats/{chat_id}/messages/{turn['user_message']['id']}/edit",
        json={"content": QUESTION},
        headers=auth_headers,
    )
    assert edited.status_code == 201, edited.json
    assert NEEDLE in edited.json["ai_message"]["sources"][0]["snippet"]
    assert NEEDLE in (reference_block(upstream) or "")
