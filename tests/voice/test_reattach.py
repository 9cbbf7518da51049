"""Replies outlive their request: follow one again from any worker, stop one from any worker,
and a worker that stops mid-reply leaves no reply pending."""

from __future__ import annotations

import os
import signal
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from shared.core.config import Config
from shared.core.db import sync_url
from shared.limits.ratelimit import storage_url
from tests.fake_openai import Behaviour
from tests.voice.conftest import Headers, stored_messages
from tests.voice.workers import read_events, worker_here, worker_process

REDIS_URL = "redis://127.0.0.1:6379/14"
REPLY = " ".join(f"word{index}" for index in range(16))


@pytest.fixture
def slow_reply(upstream: Behaviour) -> str:
    upstream.reply = REPLY
    upstream.stream_chunk_delay = 0.12
    return REPLY


def start_stream(
    http: httpx.AsyncClient, worker: str, chat: dict[str, Any], headers: Headers, content: str
) -> AbstractAsyncContextManager[httpx.Response]:
    """Open a streamed reply to `content` in `chat` on `worker` (`async with`: the response)."""
    url = f"{worker}/voice/chats/{chat['id']}/messages/stream"
    return http.stream("POST", url, json={"content": content}, headers=headers)


async def stream_to_end(
    http: httpx.AsyncClient, worker: str, chat: dict[str, Any], headers: Headers
) -> tuple[int, int]:
    """Stream a reply to "hi" until `done`; the ids of the question and of the reply."""
    async with start_stream(http, worker, chat, headers, "hi") as response:
        question_id = int(response.headers["X-User-Message-Id"])
        reply_id = int(response.headers["X-AI-Message-Id"])
        assert [name async for name, _ in read_events(response)][-1] == "done"
    return question_id, reply_id


def reply_path(chat: dict[str, Any], reply_id: int, action: str) -> str:
    return f"/voice/chats/{chat['id']}/messages/{reply_id}/{action}"


async def follow_to_end(http: httpx.AsyncClient, url: str, headers: Headers) -> list[Any]:
    async with http.stream("GET", url, headers=headers) as response:
        assert response.status_code == 200
        return [event async for event in read_events(response)]


@pytest.mark.parametrize("redis_url", ["", REDIS_URL], ids=["stored-content", "redis"])
async def test_reattach_from_a_second_worker_gets_the_rest_of_a_running_reply(
    redis_url: str,
    config: Config,
    user_chat: tuple[Headers, dict[str, Any]],
    slow_reply: str,
    client: FlaskClient,
) -> None:
    headers, chat = user_chat
    config = config.replace(redis_url=redis_url)
    async with (
        worker_here(config) as first,
        worker_process(config) as (_, second),
        httpx.AsyncClient(timeout=30) as http,
    ):
        async with start_stream(http, first, chat, headers, "go") as response:
            reply_id = int(response.headers["X-AI-Message-Id"])
            async for name, _ in read_events(response):
                assert name == "delta"
                break  # the client goes away after the first piece
        url = second + reply_path(chat, reply_id, "events")
        events = await follow_to_end(http, url, headers)

    names = [name for name, _ in events]
    assert names[-1] == "done" and set(names[:-1]) == {"delta"}
    assert len(names) > 2  # the rest arrived live, not all at the end
    assert "".join(data["content"] for name, data in events[:-1]) == slow_reply
    done = events[-1][1]
    assert done["ai_message"]["id"] == reply_id and done["ai_message"]["status"] == "complete"
    assert stored_messages(client, chat["id"], headers)[-1] == done["ai_message"]


async def test_reattach_to_an_ended_reply_gives_it_at_once(
    config: Config, user_chat: tuple[Headers, dict[str, Any]], upstream: Behaviour
) -> None:
    headers, chat = user_chat
    async with worker_here(config) as worker, httpx.AsyncClient(timeout=30) as http:
        question_id, reply_id = await stream_to_end(http, worker, chat, headers)
        events = await follow_to_end(http, worker + reply_path(chat, reply_id, "events"), headers)
        question = await http.get(worker + reply_path(chat, question_id, "events"), headers=headers)
        other = await http.get(
            worker + reply_path(chat, reply_id, "events"),
            headers={"Authorization": "Bearer not-a-token"},
        )
    assert [name for name, _ in events] == ["delta", "done"]
    assert events[0][1]["content"] == "Echo: hi"
    assert question.status_code == 404 and question.json()["code"] == 404
    assert other.status_code == 401


@pytest.mark.parametrize("where", ["same-worker", "other-worker"])
async def test_stop_keeps_the_partial_reply(
    where: str,
    config: Config,
    user_chat: tuple[Headers, dict[str, Any]],
    slow_reply: str,
    upstream: Behaviour,
    client: FlaskClient,
) -> None:
    headers, chat = user_chat
    async with worker_here(config) as first, worker_process(config) as (_, second):
        stopper = first if where == "same-worker" else second
        async with httpx.AsyncClient(timeout=30) as http:
            async with start_stream(http, first, chat, headers, "go") as response:
                reply_id = int(response.headers["X-AI-Message-Id"])
                events = read_events(response)
                assert (await anext(events))[0] == "delta"
                stop = await http.post(
                    stopper + reply_path(chat, reply_id, "stop"), headers=headers
                )
                rest = [event async for event in events]
            again = await http.post(stopper + reply_path(chat, reply_id, "stop"), headers=headers)

    assert stop.status_code == 200 and stop.json()["status"] == "stopped"
    name, done = rest[-1]
    assert name == "done" and done["ai_message"]["status"] == "stopped"
    partial = done["ai_message"]["content"]
    assert partial and slow_reply.startswith(partial) and partial != slow_reply
    stored = stored_messages(client, chat["id"], headers)[-1]
    assert (stored["status"], stored["content"]) == ("stopped", partial)
    assert again.status_code == 409 and again.json()["errors"]["reason"] == "not_pending"


async def test_a_worker_stopped_mid_reply_leaves_no_reply_pending(
    config: Config,
    user_chat: tuple[Headers, dict[str, Any]],
    slow_reply: str,
    client: FlaskClient,
) -> None:
    headers, chat = user_chat
    async with httpx.AsyncClient(timeout=30) as http:
        async with (
            worker_here(config) as worker,
            start_stream(http, worker, chat, headers, "go") as response,
        ):
            assert (await anext(read_events(response)))[0] == "delta"
        # The worker shut down while writing: the reply is closed, not left pending.
        reply = stored_messages(client, chat["id"], headers)[-1]
        assert reply["status"] == "failed"
        assert reply["error"] == {"stage": "llm", "reason": "interrupted", "retryable": True}

        retried = client.post(f"/api/chats/{chat['id']}/messages/retry", headers=headers)
        assert retried.status_code == 201 and retried.json["ai_message"]["id"] == reply["id"]


async def test_a_crashed_worker_s_pending_reply_is_closed_on_the_next_start(
    config: Config,
    user_chat: tuple[Headers, dict[str, Any]],
    slow_reply: str,
    client: FlaskClient,
) -> None:
    headers, chat = user_chat
    async with (
        worker_process(config) as (process, worker),
        httpx.AsyncClient(timeout=30) as http,
        start_stream(http, worker, chat, headers, "go") as response,
    ):
        reply_id = int(response.headers["X-AI-Message-Id"])
        assert (await anext(read_events(response)))[0] == "delta"
        os.kill(process.pid, signal.SIGKILL)  # no shutdown hook runs
    assert stored_messages(client, chat["id"], headers)[-1]["status"] == "pending"
    engine = sa.create_engine(sync_url(config.database_url))
    with engine.begin() as connection:  # the crash was long ago
        connection.execute(
            sa.text("UPDATE messages SET updated_at = :then WHERE id = :id"),
            {"then": "2026-01-01 00:00:00", "id": reply_id},
        )
    engine.dispose()
    async with worker_here(config):
        reply = stored_messages(client, chat["id"], headers)[-1]
    assert (reply["id"], reply["status"]) == (reply_id, "failed")
    assert reply["error"]["reason"] == "interrupted"


async def test_streamed_regenerate_and_edit_add_versions(
    config: Config,
    user_chat: tuple[Headers, dict[str, Any]],
    upstream: Behaviour,
    client: FlaskClient,
) -> None:
    headers, chat = user_chat
    async with worker_here(config) as worker, httpx.AsyncClient(timeout=30) as http:
        question_id, reply_id = await stream_to_end(http, worker, chat, headers)
        upstream.reply = "a second thought"
        async with http.stream(
            "POST", worker + reply_path(chat, reply_id, "regenerate"), headers=headers
        ) as response:
            regenerated = [event async for event in read_events(response)]
        async with http.stream(
            "POST", worker + reply_path(chat, question_id, "edit"), json={"content": "hello"},
            headers=headers,
        ) as response:  # fmt: skip
            edited = [event async for event in read_events(response)]
        bad = await http.post(worker + reply_path(chat, question_id, "regenerate"), headers=headers)

    assert "".join(d["content"] for n, d in regenerated if n == "delta") == "a second thought"
    done = regenerated[-1][1]
    assert (done["ai_message"]["version"], done["ai_message"]["version_count"]) == (2, 2)
    done = edited[-1][1]
    assert done["user_message"]["content"] == "hello" and done["user_message"]["version"] == 2
    shown = stored_messages(client, chat["id"], headers)
    assert [m["content"] for m in shown] == ["hello", "a second thought"]
    assert bad.status_code == 409 and bad.json()["errors"]["reason"] == "not_a_reply"


def test_redis_url_is_the_one_redis_setting_and_rate_limits_default_to_it() -> None:
    configured = Config.from_env({"APP_ENV": "test", "REDIS_URL": REDIS_URL})
    assert configured.redis_url == storage_url(configured) == REDIS_URL
    apart = Config(redis_url=REDIS_URL, rate_limit_storage_url="redis://elsewhere:6379/1")
    assert storage_url(apart) == "redis://elsewhere:6379/1"
    assert storage_url(Config()) == "memory://"
