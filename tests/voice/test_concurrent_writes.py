"""Both services writing to one database at once: no "database is locked", nothing lost."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
from flask import Flask
from flask.testing import FlaskClient

from tests.fake_openai import Behaviour
from tests.voice.conftest import Headers

API_THREADS, API_TURNS = 4, 10
STREAM_TURNS = 20


def api_turns(app: Flask, chat_id: int, headers: Headers) -> list[int]:
    client = app.test_client()  # one client per thread, like one gunicorn thread each
    return [
        client.post(
            f"/api/chats/{chat_id}/messages", json={"content": f"api {i}"}, headers=headers
        ).status_code
        for i in range(API_TURNS)
    ]


async def stream_turn(http: httpx.AsyncClient, url: str, headers: Headers, index: int) -> str:
    response = await http.post(url, json={"content": f"voice {index}"}, headers=headers)
    assert response.status_code == 200, response.text
    return response.text


async def test_api_and_voice_write_at_once_without_locking(
    app: Flask,
    voice_server: str,
    register: Callable[..., dict[str, Any]],
    new_chat: Callable[..., dict[str, Any]],
    upstream: Behaviour,
) -> None:
    headers = register()["headers"]
    api_chat, voice_chat = new_chat(headers), new_chat(headers)
    url = f"{voice_server}/voice/chats/{voice_chat['id']}/messages/stream"
    async with httpx.AsyncClient(timeout=60) as http:
        api_results, *streams = await asyncio.gather(
            asyncio.gather(
                *(
                    asyncio.to_thread(api_turns, app, api_chat["id"], headers)
                    for _ in range(API_THREADS)
                )
            ),
            *(stream_turn(http, url, headers, i) for i in range(STREAM_TURNS)),
        )
    assert [status for batch in api_results for status in batch] == [201] * (
        API_THREADS * API_TURNS
    )
    assert all("event: done" in body and "event: error" not in body for body in streams)
    client = app.test_client()
    assert count_messages(client, api_chat["id"], headers) == 2 * API_THREADS * API_TURNS
    assert count_messages(client, voice_chat["id"], headers) == 2 * STREAM_TURNS


def count_messages(client: FlaskClient, chat_id: int, headers: Headers) -> int:
    response = client.get(f"/api/chats/{chat_id}/messages", headers=headers)
    return int(json.loads(response.headers["X-Pagination"])["total"])
