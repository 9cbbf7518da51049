"""Dense embeddings, through the real `openai` SDK against the fake server's `/v1/embeddings`:
the worker embeds a file's chunks in batches, retries 429 and 5xx, records every call in the
ledger (charged to the agent's owner), and keeps a file whose embeddings fail for good searched
by full text; a turn finds a passage by meaning that full text misses, falls back to full text
when its question's embedding fails, and reads only its own agent's vectors."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from api.extensions import db
from shared.core.models import UsageEvent, UsageKind, User
from shared.knowledge.dense import DenseSearch
from shared.knowledge.models import KnowledgeChunk, KnowledgeFile
from tests.api.test_admin import admin_headers
from tests.api.test_agents import create_agent
from tests.api.test_knowledge_files import drain, upload
from tests.api.test_knowledge_turns import NEEDLE, QUESTION, ask, reference_block
from tests.conftest import Headers, MakeApp
from tests.fake_openai import Behaviour, Failure
from tests.knowledge_files import long_document

# Full text cannot find it from the question below (no word in common); the fake's vectors
# hold "automobile" and "vehicle" to mean "car", as a real model does.
BY_MEANING = "## Vehicles\n\nAn automobile must be inspected every two years at an approved garage."
MEANING_QUESTION = "How often does my car need a check?"
__all__ = ["admin_headers"]  # the fixture, used by name
QUICK_RETRY = {"retry-after-ms": "1"}  # the SDK waits what the server asks: tests stay fast


@pytest.fixture
def settings() -> dict[str, Any]:
    """Settings a test changes (by parametrizing this)."""
    return {}


@pytest.fixture
def app(make_app: MakeApp, tmp_path: Path, settings: dict[str, Any]) -> Flask:
    queue = str(tmp_path / "queue.db")
    return make_app(knowledge_queue_path=queue, knowledge_embed_batch=8, **settings)


def embedding_calls(upstream: Behaviour) -> list[dict[str, Any]]:
    return [r["json"] for r in upstream.requests if r["endpoint"] == "embeddings"]


def with_file(client: FlaskClient, app: Flask, headers: Headers, text: str) -> dict[str, Any]:
    agent = create_agent(client, headers)
    made = upload(client, headers, agent["id"], text.encode(), "manual.md")
    assert made.status_code == 202, made.json
    drain(app)
    listed = client.get(f"/api/agents/{agent['id']}/files/{made.json['id']}", headers=headers)
    return {**agent, "file": listed.json}


def ledger(app: Flask) -> list[UsageEvent]:
    with app.app_context():
        db.session.remove()
        rows = db.session.scalars(
            sa.select(UsageEvent).where(UsageEvent.kind == UsageKind.EMBED).order_by(UsageEvent.id)
        )
        return list(rows)


def stored_vectors(app: Flask, file_id: int) -> tuple[str | None, list[bytes | None]]:
    with app.app_context():
        db.session.remove()
        space = db.session.scalar(
            sa.select(KnowledgeFile.embedding_model).where(KnowledgeFile.id == file_id)
        )
        blobs = db.session.scalars(
            sa.select(KnowledgeChunk.embedding).where(KnowledgeChunk.file_id == file_id)
        )
        return space, list(blobs)


def user_id(app: Flask, username: str) -> int:
    with app.app_context():
        return int(db.session.scalar(sa.select(User.id).where(User.username == username)) or 0)


def test_chunks_are_embedded_in_batches_and_recorded(
    client: FlaskClient, app: Flask, auth_headers: Headers, upstream: Behaviour
) -> None:
    agent = with_file(client, app, auth_headers, long_document(NEEDLE))
    chunks = agent["file"]["chunks"]
    assert agent["file"]["status"] == "ready" and agent["file"]["error"] is None
    calls = embedding_calls(upstream)
    assert chunks > 8 and len(calls) == math.ceil(chunks / 8)
    assert [len(call["input"]) for call in calls[:-1]] == [8] * (len(calls) - 1)
    assert calls[0]["model"] == "text-embedding-3-small" and calls[0]["dimensions"] == 512
    space, blobs = stored_vectors(app, agent["file"]["id"])
    assert space == "text-embedding-3-small@512"
    assert len(blobs) == chunks and all(blob is not None and len(blob) == 512 * 4 for blob in blobs)
    rows = ledger(app)
    assert len(rows) == len(calls)
    assert {row.user_id for row in rows} == {user_id(app, "alice")}
    words = sum(len(text.split()) for call in calls for text in call["input"])
    assert sum(row.prompt_tokens for row in rows) == words  # the fake's usage: a token a word
    assert {row.model for row in rows} == {"text-embedding-3-small"}


def test_429_and_500_are_retried(
    client: FlaskClient, app: Flask, auth_headers: Headers, upstream: Behaviour
) -> None:
    upstream.fail_next(
        "embeddings", Failure(429, headers=QUICK_RETRY), Failure(500, headers=QUICK_RETRY)
    )
    agent = with_file(client, app, auth_headers, long_document(NEEDLE, 10))
    assert agent["file"]["status"] == "ready" and agent["file"]["error"] is None
    calls = embedding_calls(upstream)
    assert len(calls) == math.ceil(agent["file"]["chunks"] / 8) + 2
    assert len(ledger(app)) == len(calls) - 2  # failed calls are not charged
    assert all(stored_vectors(app, agent["file"]["id"])[1])


@pytest.mark.parametrize("settings", [{"knowledge_embed_retries": 1}])
def test_embeddings_failing_for_good_leave_full_text(
    client: FlaskClient, app: Flask, auth_headers: Headers, upstream: Behaviour
) -> None:
    upstream.fail_next("embeddings", *[Failure(503, headers=QUICK_RETRY)] * 2)
    agent = with_file(client, app, auth_headers, long_document(NEEDLE, 10))
    made = agent["file"]
    assert made["status"] == "ready" and made["chunks"] > 0
    assert "full text only" in made["error"] and "HTTP 503" in made["error"]
    assert len(embedding_calls(upstream)) == 2 and ledger(app) == []
    space, blobs = stored_vectors(app, made["id"])
    assert space is None and set(blobs) == {None}
    turn = ask(client, auth_headers, agent["id"])
    assert NEEDLE in turn["ai_message"]["sources"][0]["snippet"]


@pytest.mark.parametrize("settings", [{"openai_embedding_model": ""}, {}])
def test_a_passage_is_found_by_meaning_that_full_text_misses(
    client: FlaskClient,
    app: Flask,
    auth_headers: Headers,
    upstream: Behaviour,
    settings: dict[str, Any],
) -> None:
    agent = with_file(client, app, auth_headers, long_document(BY_MEANING, 20))
    turn = ask(client, auth_headers, agent["id"], MEANING_QUESTION)
    if settings:  # full text only: no embedding call, and the passage is missed
        assert embedding_calls(upstream) == []
        assert "automobile" not in (reference_block(upstream) or "")
        return
    # Fused with the full-text ranking (which holds only other passages), it is among the first.
    assert any("automobile" in s["snippet"] for s in turn["ai_message"]["sources"][:3])
    assert "automobile" in (reference_block(upstream) or "")
    asked = len(MEANING_QUESTION.split())
    question = [row for row in ledger(app) if row.prompt_tokens == asked]
    assert len(embedding_calls(upstream)) == len(ledger(app))
    assert [(r.user_id, r.prompt_tokens) for r in ledger(app)][-1] == (
        user_id(app, "alice"),
        asked,
    )
    # Asked again (a regenerate, a retry): embedded once per process, charged once.
    again = ask(client, auth_headers, agent["id"], MEANING_QUESTION)
    assert again["ai_message"]["sources"] == turn["ai_message"]["sources"]
    assert len(embedding_calls(upstream)) == len(ledger(app))
    assert len([row for row in ledger(app) if row.prompt_tokens == asked]) == len(question)


@pytest.mark.parametrize("settings", [{"knowledge_query_timeout": 0.3}])
def test_a_failed_question_embedding_falls_back_to_full_text(
    client: FlaskClient, app: Flask, auth_headers: Headers, upstream: Behaviour
) -> None:
    agent = with_file(client, app, auth_headers, long_document(NEEDLE, 10))
    for failure in (Failure(500), Failure(hang=1.0)):
        before = len(ledger(app))
        upstream.fail_next("embeddings", failure)
        turn = ask(client, auth_headers, agent["id"], f"{QUESTION} ({failure.hang})")
        assert NEEDLE in turn["ai_message"]["sources"][0]["snippet"]
        assert len(ledger(app)) == before  # nothing to charge


def test_dense_search_reads_only_that_agents_vectors(
    client: FlaskClient, app: Flask, register: Callable[..., Any], upstream: Behaviour
) -> None:
    alice, bob = register("alice")["headers"], register("bob")["headers"]
    with_file(client, app, alice, long_document(BY_MEANING, 5))
    bobs = with_file(client, app, bob, long_document("Bob keeps a bicycle in the shed.", 5))
    turn = ask(client, bob, bobs["id"], MEANING_QUESTION)
    assert "automobile" not in (reference_block(upstream) or "")
    assert {s["file_id"] for s in turn["ai_message"]["sources"]} == {bobs["file"]["id"]}


def test_a_deleted_file_leaves_the_vectors_searched(
    client: FlaskClient, app: Flask, auth_headers: Headers, upstream: Behaviour
) -> None:
    agent = with_file(client, app, auth_headers, long_document(BY_MEANING, 5))
    ask(client, auth_headers, agent["id"], MEANING_QUESTION)
    assert "automobile" in (reference_block(upstream) or "")
    path = f"/api/agents/{agent['id']}/files/{agent['file']['id']}"
    assert client.delete(path, headers=auth_headers).status_code == 204
    other = upload(client, auth_headers, agent["id"], b"Bicycles need oil.", "bikes.md")
    drain(app)
    turn = ask(client, auth_headers, agent["id"], MEANING_QUESTION)
    assert "automobile" not in (reference_block(upstream) or "")
    assert {s["file_id"] for s in turn["ai_message"]["sources"] or []} <= {other.json["id"]}


def test_a_chats_next_question_is_embedded_before_the_turn_locks_it(
    client: FlaskClient,
    app: Flask,
    auth_headers: Headers,
    upstream: Behaviour,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    agent = with_file(client, app, auth_headers, BY_MEANING)
    first = ask(client, auth_headers, agent["id"], MEANING_QUESTION)  # embeds under the lock
    embedded_in_turn: list[str] = []
    original = DenseSearch._embed

    def in_turn(self: DenseSearch, session: Any, question: str) -> Any:
        embedded_in_turn.append(question)
        return original(self, session, question)

    monkeypatch.setattr(DenseSearch, "_embed", in_turn)
    before = len(ledger(app))
    second = "Which garage inspects an automobile?"
    response = client.post(
        f"/api/chats/{first['chat']['id']}/messages", json={"content": second}, headers=auth_headers
    )

    assert response.status_code == 201, response.json
    assert embedded_in_turn == []  # fetched before the turn began, not inside its lock
    assert second in [call["input"][0] for call in embedding_calls(upstream)]
    assert "automobile" in (reference_block(upstream) or "")
    rows = ledger(app)[before:]
    assert len(rows) == 1 and rows[0].user_id == user_id(app, "alice")  # charged once, by the turn


def test_admin_usage_totals_count_embedding_tokens_apart_from_replies(
    client: FlaskClient, app: Flask, auth_headers: Headers, admin_headers: Headers
) -> None:
    agent = with_file(client, app, auth_headers, long_document(NEEDLE, 10))
    ask(client, auth_headers, agent["id"], MEANING_QUESTION)
    rows = ledger(app)

    by_model = client.get("/api/admin/usage?group_by=model", headers=admin_headers).json
    embedding = next(row for row in by_model if row["key"] == "text-embedding-3-small")
    assert embedding["embedding_calls"] == len(rows)
    assert embedding["embedding_tokens"] == sum(row.prompt_tokens for row in rows)
    assert embedding["tokens"] == 0 and embedding["llm_calls"] == 0  # not counted as replies
    replies = [row for row in by_model if row["key"] != "text-embedding-3-small"]
    assert all(row["embedding_calls"] == 0 for row in replies)


def test_reembed_queues_files_of_another_model_or_none_and_the_worker_embeds_them(
    client: FlaskClient, make_app: MakeApp, tmp_path: Path, auth_headers: Headers
) -> None:
    queue = str(tmp_path / "queue.db")
    before = make_app(knowledge_queue_path=queue, openai_embedding_model="")
    agent = with_file(client, before, auth_headers, BY_MEANING)
    assert stored_vectors(before, agent["file"]["id"])[0] is None  # full text only back then
    after = make_app(knowledge_queue_path=queue, knowledge_embed_batch=8)

    result = after.test_cli_runner().invoke(args=["reembed"])

    assert result.exit_code == 0, result.output
    assert "Queued 1 file(s) to be embedded in text-embedding-3-small@512" in result.output
    drain(after)
    space, blobs = stored_vectors(after, agent["file"]["id"])
    assert space == "text-embedding-3-small@512" and all(blobs)
    again = after.test_cli_runner().invoke(args=["reembed"])
    assert "Queued 0 file(s)" in again.output  # nothing left of another space
    unset = before.test_cli_runner().invoke(args=["reembed"])
    assert unset.exit_code != 0 and "No embedding model is configured" in unset.output
