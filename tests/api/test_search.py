"""Chat search: `GET /api/chats?q=` finds the caller's chats by title and message text."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

from api import create_app
from shared.core.config import Config
from tests.conftest import Headers
from tests.fake_openai import Behaviour


def chat_with(
    client: FlaskClient, new_chat: Callable[..., Any], headers: Headers, title: str, *said: str
) -> dict[str, Any]:
    """A chat titled `title` in which the caller said each of `said` (one turn each)."""
    chat = new_chat(headers)
    client.patch(f"/api/chats/{chat['id']}", json={"title": title}, headers=headers)
    for content in said:
        turn = client.post(
            f"/api/chats/{chat['id']}/messages", json={"content": content}, headers=headers
        )
        assert turn.status_code == 201, turn.json
    return chat


def search(client: FlaskClient, headers: Headers, q: str, **params: Any) -> Any:
    return client.get("/api/chats", query_string={"q": q, **params}, headers=headers)


def found_ids(client: FlaskClient, headers: Headers, q: str) -> list[int]:
    response = search(client, headers, q)
    assert response.status_code == 200, response.json
    return [chat["id"] for chat in response.json]


def marked(hit: dict[str, Any]) -> list[str]:
    """The highlighted words of a search hit's snippet."""
    text = hit["snippet"]["text"]
    return [text[start:end] for start, end in hit["snippet"]["highlights"]]


def test_search_chats_by_title(
    client: FlaskClient, auth_headers: Headers, new_chat: Callable[..., Any], upstream: Behaviour
) -> None:
    upstream.reply = "Sure."
    chat = chat_with(client, new_chat, auth_headers, "Weekend pasta recipes", "hello")
    chat_with(client, new_chat, auth_headers, "Taxes", "hello")
    response = search(client, auth_headers, "pasta")
    assert [hit["id"] for hit in response.json] == [chat["id"]]
    assert response.json[0]["snippet"] is None and response.json[0]["title"] == chat_title(
        client, auth_headers, chat
    )


def chat_title(client: FlaskClient, headers: Headers, chat: dict[str, Any]) -> str:
    return str(client.get(f"/api/chats/{chat['id']}", headers=headers).json["title"])


def test_search_chats_by_a_word_in_the_middle_of_a_message(
    client: FlaskClient, auth_headers: Headers, new_chat: Callable[..., Any], upstream: Behaviour
) -> None:
    upstream.reply = "Happy to help."
    long_start = "Some context first. " * 10
    chat = chat_with(
        client, new_chat, auth_headers, "Gifts", long_start + "I need a birthday present for Ann."
    )
    response = search(client, auth_headers, "birthday")
    assert [hit["id"] for hit in response.json] == [chat["id"]]
    hit = response.json[0]
    assert marked(hit) == ["birthday"]
    assert hit["snippet"]["text"].startswith("…") and "<" not in hit["snippet"]["text"]
    assert hit["agent_name"] == "Helpful Assistant"


def test_search_chats_ignores_case_and_accents(
    client: FlaskClient, auth_headers: Headers, new_chat: Callable[..., Any], upstream: Behaviour
) -> None:
    upstream.reply = "Noted."
    dessert = chat_with(client, new_chat, auth_headers, "Dessert", "Crème brûlée at the CAFÉ")
    cv = chat_with(client, new_chat, auth_headers, "Jobs", "please check my resume")
    assert found_ids(client, auth_headers, "creme BRULEE cafe") == [dessert["id"]]
    assert marked(search(client, auth_headers, "creme cafe").json[0]) == ["Crème", "CAFÉ"]
    assert found_ids(client, auth_headers, "RÉSUMÉ") == [cv["id"]]


def test_search_chats_matches_word_prefixes_and_needs_every_word(
    client: FlaskClient, auth_headers: Headers, new_chat: Callable[..., Any], upstream: Behaviour
) -> None:
    upstream.reply = "Okay."
    chat = chat_with(client, new_chat, auth_headers, "Cooking", "Quick recipes for dinner")
    assert found_ids(client, auth_headers, "recip") == [chat["id"]]
    assert found_ids(client, auth_headers, "dinner quick") == [chat["id"]]
    assert found_ids(client, auth_headers, "dinner zebra") == []
    assert found_ids(client, auth_headers, "ecipes") == []  # inside a word, not a word start


def test_search_chats_never_finds_other_callers_chats(
    client: FlaskClient,
    register: Callable[..., Any],
    guest: Callable[..., Any],
    new_chat: Callable[..., Any],
    upstream: Behaviour,
) -> None:
    upstream.reply = "Fine."
    alice, bob = register("alice")["headers"], register("bob")["headers"]
    visitor, other_visitor = guest()["headers"], guest()["headers"]
    owned = {
        name: chat_with(client, new_chat, headers, "Secret plans", f"the password is {name}")
        for name, headers in (("alice", alice), ("bob", bob), ("visitor", visitor))
    }
    assert found_ids(client, alice, "secret") == [owned["alice"]["id"]]
    assert found_ids(client, alice, "bob") == []
    assert found_ids(client, visitor, "password") == [owned["visitor"]["id"]]
    assert found_ids(client, other_visitor, "password") == []


def test_search_chats_newest_activity_first_and_paginated(
    client: FlaskClient, auth_headers: Headers, new_chat: Callable[..., Any], upstream: Behaviour
) -> None:
    upstream.reply = "Right."
    first = chat_with(client, new_chat, auth_headers, "One", "garden ideas")
    second = chat_with(client, new_chat, auth_headers, "Two", "garden tools")
    third = chat_with(client, new_chat, auth_headers, "Three", "garden pests")
    chat_with(client, new_chat, auth_headers, "Four", "kitchen")
    client.post(
        f"/api/chats/{first['id']}/messages", json={"content": "more"}, headers=auth_headers
    )
    page = search(client, auth_headers, "garden", page=1, page_size=2)
    assert [hit["id"] for hit in page.json] == [first["id"], third["id"]]
    assert json.loads(page.headers["X-Pagination"])["total"] == 3
    rest = search(client, auth_headers, "garden", page=2, page_size=2)
    assert [hit["id"] for hit in rest.json] == [second["id"]]


def test_search_chats_follows_renames_and_deletions(
    client: FlaskClient, auth_headers: Headers, new_chat: Callable[..., Any], upstream: Behaviour
) -> None:
    upstream.reply = "Yes."
    chat = chat_with(client, new_chat, auth_headers, "Holiday in Rome", "flights")
    client.patch(
        f"/api/chats/{chat['id']}", json={"title": "Holiday in Oslo"}, headers=auth_headers
    )
    assert found_ids(client, auth_headers, "rome") == []
    assert found_ids(client, auth_headers, "oslo") == [chat["id"]]
    client.delete(f"/api/chats/{chat['id']}", headers=auth_headers)
    assert found_ids(client, auth_headers, "oslo") == []
    assert found_ids(client, auth_headers, "flights") == []


def test_search_chats_filtered_by_agent(
    client: FlaskClient, auth_headers: Headers, new_chat: Callable[..., Any], upstream: Behaviour
) -> None:
    upstream.reply = "Sure."
    agent = client.post(
        "/api/agents", json={"name": "Coach", "prompt": "Coach me."}, headers=auth_headers
    ).json
    chat_with(client, new_chat, auth_headers, "Running plan", "hi")
    coached = new_chat(auth_headers, agent["id"])
    client.patch(f"/api/chats/{coached['id']}", json={"title": "Running"}, headers=auth_headers)
    response = search(client, auth_headers, "running", agent_id=agent["id"])
    assert [hit["id"] for hit in response.json] == [coached["id"]]


def test_search_chats_bad_queries(client: FlaskClient, auth_headers: Headers) -> None:
    nothing = search(client, auth_headers, "?! ...")
    assert nothing.status_code == 200 and nothing.json == []
    assert json.loads(nothing.headers["X-Pagination"])["total"] == 0
    for bad in ("", "x" * 201):
        response = search(client, auth_headers, bad)
        assert response.status_code == 422 and "q" in str(response.json["errors"])
    # Query syntax of either index is just text here.
    for tricky in ('"', "a:* | b", "NEAR(a b)", "x' OR 1=1 --", "*", "a AND NOT b"):
        assert search(client, auth_headers, tricky).status_code == 200, tricky
    assert client.get("/api/chats?q=hello").status_code == 401


def test_search_chats_with_a_nul_character_is_refused(
    client: FlaskClient, auth_headers: Headers
) -> None:
    response = client.get("/api/chats", query_string={"q": "a\x00b"}, headers=auth_headers)
    assert response.status_code == 422
    assert "NUL" in response.json["message"]


# Written as escapes: several look like ASCII punctuation (U+02BC, U+02D0, U+2474, ...).
ODD = ["\u02bc", "\u02d0", "\u2474", "\u0149", "\u02b9", "'", "\\", ":*", "&|!", "()"]
ODD += ["<->", "a:b", "\u02bcn", "\ufb01", "\u216b", "\u00bd", "\u2019", "\u00e9\u0301"]


def test_search_chats_with_odd_characters_answers_200(
    config: Config, auth_headers: Headers, new_chat: Callable[..., Any]
) -> None:
    # unaccent turns some of these into tsquery syntax on PostgreSQL: never a 500.
    new_chat(auth_headers)
    client = create_app(config.replace(rate_limit_enabled=False)).test_client()
    for odd in ODD:
        for query in (odd, f"word{odd}", f"{odd} trip", f"x{odd}y"):
            response = search(client, auth_headers, query)
            assert response.status_code in (200, 422), (query, response.json)
            assert response.status_code == 200 or response.json["errors"]["reason"], query


def test_searches_are_rate_limited_per_caller(
    config: Config, auth_headers: Headers, register: Callable[..., Any]
) -> None:
    limited = create_app(config.replace(rate_limit_searches="3/minute")).test_client()
    codes = [search(limited, auth_headers, "anything").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    other = register("searcher2")["headers"]
    assert search(limited, other, "anything").status_code == 200


def test_search_in_a_long_message_answers_with_a_bounded_snippet(
    client: FlaskClient, auth_headers: Headers, new_chat: Callable[..., Any], upstream: Behaviour
) -> None:
    chat = new_chat(auth_headers)
    upstream.reply = "needle " + "hay " * 60_000
    turn = client.post(
        f"/api/chats/{chat['id']}/messages", json={"content": "go"}, headers=auth_headers
    )
    assert turn.status_code == 201
    response = search(client, auth_headers, "needle")
    assert response.status_code == 200
    assert len(response.json[0]["snippet"]["text"]) <= 170
