"""Tools in the API: the listing, an agent's tools checked, and text turns that call real MCP
tools through the fake upstream (plain completions), with every round charged."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from shared.core.db import sync_url
from shared.tools.rounds import DATA_MARK
from tests.api.test_admin import make_admin
from tests.conftest import Headers, MakeApp
from tests.fake_openai import Behaviour
from tests.waiting import wait_until

NOW = "time__get_current_time"


@pytest.fixture
def app(make_app: MakeApp, tool_servers_file: str) -> Flask:
    return make_app(tool_servers_file=tool_servers_file, tool_timeout=2.0)


def agent_with(client: FlaskClient, headers: Headers, tools: list[str], **more: Any) -> Any:
    body = {"name": "Helper", "prompt": "Use tools.", "tools": tools, **more}
    return client.post("/api/agents", json=body, headers=headers)


def ask(client: FlaskClient, headers: Headers, tools: list[str], content: str) -> dict[str, Any]:
    agent = agent_with(client, headers, tools).json
    chat = client.post(f"/api/agents/{agent['id']}/chats", json={}, headers=headers).json
    response = client.post(
        f"/api/chats/{chat['id']}/messages", json={"content": content}, headers=headers
    )
    assert response.status_code == 201, response.json
    return dict(response.json)


def signed_in(client: FlaskClient, username: str) -> Headers:
    """Headers of `username` (registered unless they are), logged in now."""
    login = {"username": username, "password": "correct horse"}
    client.post("/api/auth/register", json=login)
    token = client.post("/api/auth/login", json=login).json
    return {"Authorization": f"Bearer {token['access_token']}"}


def chat_requests(upstream: Behaviour) -> list[dict[str, Any]]:
    return [r["json"] for r in upstream.requests if r["endpoint"] == "chat"]


def test_tools_listed_with_descriptions_for_signed_in_callers(
    client: FlaskClient, guest_headers: Headers
) -> None:
    assert client.get("/api/tools").status_code == 401
    listed = {tool["name"]: tool for tool in client.get("/api/tools", headers=guest_headers).json}
    assert listed[NOW]["server"] == "time" and listed[NOW]["description"]
    assert listed[NOW]["input_schema"]["required"] == ["timezone"]
    assert listed["calc__add"]["server"] == "calc"


def test_unknown_tools_refused_known_kept(client: FlaskClient, auth_headers: Headers) -> None:
    refused = agent_with(client, auth_headers, [NOW, "nope__tool"])
    assert refused.status_code == 422
    assert refused.json["errors"]["reason"] == "unknown_tool"
    assert "nope__tool" in refused.json["message"]
    made = agent_with(client, auth_headers, [NOW], reasoning_effort="low")
    assert made.status_code == 201 and made.json["tools"] == [NOW]
    assert made.json["reasoning_effort"] == "low"
    wrong = client.patch(
        f"/api/agents/{made.json['id']}", json={"reasoning_effort": "extreme"}, headers=auth_headers
    )
    assert wrong.status_code == 422


def test_admin_sees_each_server_state(
    app: Flask, client: FlaskClient, register: Callable[..., Any]
) -> None:
    user = register("boss")
    assert client.get("/api/admin/tool-servers", headers=user["headers"]).status_code == 403
    make_admin(app, "boss")
    admin = signed_in(client, "boss")
    states = {s["name"]: s for s in client.get("/api/admin/tool-servers", headers=admin).json}
    assert states["time"]["connected"] and states["time"]["tool_count"] == 2
    assert states["calc"]["transport"] == "streamable-http"


def test_a_turn_calls_the_tool_and_answers(
    client: FlaskClient, auth_headers: Headers, upstream: Behaviour
) -> None:
    upstream.tool_calls = [{"name": NOW, "arguments": {"timezone": "Europe/Paris"}}]
    upstream.reply = "It is evening in Paris."
    turn = ask(client, auth_headers, [NOW], "What time is it in Paris?")
    reply = turn["ai_message"]
    assert reply["status"] == "complete" and reply["content"] == "It is evening in Paris."
    (call,) = reply["tool_calls"]
    assert call["name"] == NOW and call["arguments"] == {"timezone": "Europe/Paris"}
    assert call["status"] == "ok" and '"timezone": "Europe/Paris"' in call["result"]
    first, second = chat_requests(upstream)
    assert first["tools"][0]["function"]["name"] == NOW
    assert first["reasoning_effort"] == "none"  # gpt-6 takes tools on Chat Completions so only
    tool_message = second["messages"][-1]
    assert tool_message["role"] == "tool" and tool_message["content"].startswith(DATA_MARK)
    # Both rounds charged: the fake reports one token per word of each request.
    usage = reply["usage"]
    assert usage["prompt_tokens"] > len(first["messages"][-1]["content"].split())
    shown = client.get(f"/api/chats/{reply['chat_id']}/messages", headers=auth_headers).json
    assert shown[-1]["tool_calls"] == reply["tool_calls"]


def test_failing_and_unknown_tools_are_told_to_the_model(
    client: FlaskClient, auth_headers: Headers, upstream: Behaviour
) -> None:
    upstream.tool_calls = [
        {"name": "calc__broken", "arguments": {}},
        {"name": "calc__missing", "arguments": {}},
        {"name": "calc__slow", "arguments": {"seconds": 5}},
    ]
    upstream.reply = "I could not check."
    reply = ask(client, auth_headers, ["calc__broken", "calc__slow"], "check")["ai_message"]
    assert reply["status"] == "complete" and reply["content"] == "I could not check."
    broken, missing, slow = reply["tool_calls"]
    assert broken["status"] == "error" and "the tool broke" in broken["result"]
    assert missing["status"] == "error" and "no tool" in missing["result"]
    assert slow["status"] == "timeout" and slow["duration_ms"] >= 1900


def test_rounds_end_at_the_limit_then_the_model_answers(
    make_app: MakeApp, tool_servers_file: str, auth_headers: Headers, upstream: Behaviour
) -> None:
    client = make_app(tool_servers_file=tool_servers_file, max_tool_rounds=2).test_client()
    upstream.tool_calls = [{"name": "calc__add", "arguments": {"a": 1, "b": 2}}]
    upstream.tool_rounds = 10  # it would ask for ever
    upstream.reply = "Three."
    headers = signed_in(client, "rounds")
    reply = ask(client, headers, ["calc__add"], "add")["ai_message"]
    assert [c["result"] for c in reply["tool_calls"]] == ["3", "3"]
    sent = chat_requests(upstream)
    assert len(sent) == 3 and "tools" in sent[1] and "tools" not in sent[2]
    assert reply["content"] == "Three."


def test_results_capped_and_kept_as_text(
    make_app: MakeApp, tool_servers_file: str, upstream: Behaviour
) -> None:
    client = make_app(tool_servers_file=tool_servers_file, max_tool_result_chars=50).test_client()
    headers = signed_in(client, "capped")
    upstream.tool_calls = [{"name": "calc__big", "arguments": {"size": 500}}]
    (call,) = ask(client, headers, ["calc__big"], "big")["ai_message"]["tool_calls"]
    assert call["result"].startswith("<b>x</b>") and len(call["result"]) < 100


def test_stop_ends_a_blocking_turn_inside_a_tool_call(
    client: FlaskClient, auth_headers: Headers, upstream: Behaviour, database_url: str
) -> None:
    upstream.tool_calls = [{"name": "calc__slow", "arguments": {"seconds": 1.8}}]
    answered: list[Any] = []
    asking = threading.Thread(
        target=lambda: answered.append(ask(client, auth_headers, ["calc__slow"], "wait"))
    )
    asking.start()
    engine = sa.create_engine(sync_url(database_url))
    try:
        wait_until(lambda: pending_reply(engine))
        with engine.begin() as connection:  # what POST .../stop does, from any process
            connection.execute(
                sa.text("UPDATE messages SET status = 'stopped' WHERE status = 'pending'")
            )
        asking.join(10)
    finally:
        engine.dispose()
    reply = answered[0]["ai_message"]
    assert reply["status"] == "stopped"
    (call,) = reply["tool_calls"]
    assert call["status"] == "error" and "stopped" in call["result"]
    assert len(chat_requests(upstream)) == 1  # no round after the stop


def pending_reply(engine: sa.Engine) -> bool:
    with engine.connect() as connection:
        found = connection.execute(sa.text("SELECT id FROM messages WHERE status = 'pending'"))
        return found.first() is not None
