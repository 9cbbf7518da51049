"""Imported messages obey the limits of typed ones, an import is bounded in chats and
messages, rate-limited, inserted in bulk, and its future times clamped to now."""

from __future__ import annotations

import itertools
from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient

from api import create_app
from api.extensions import db
from shared.core.config import Config
from shared.core.models import Message
from tests.api.test_export_import import export_of
from tests.conftest import Headers, bearer

AT = "2026-11-30T10:00:00+00:00"


def importing(client: FlaskClient, headers: Headers, document: dict[str, Any]) -> Any:
    return client.post("/api/chats/import", json=document, headers=headers)


def agent_of(client: FlaskClient, headers: Headers) -> dict[str, Any]:
    found = client.get("/api/agents", headers=headers).json[0]
    return {"id": found["id"], "name": found["name"]}


def said(by: str, content: str) -> dict[str, Any]:
    return {"message_by": by, "content": content, "created_at": AT}


def test_an_imported_user_message_over_the_message_limit_is_refused(
    client: FlaskClient, auth_headers: Headers, config: Config
) -> None:
    too_long = said("USER", "u" * (config.max_message_chars + 1))
    document = export_of("Long", agent_of(client, auth_headers), messages=[too_long])
    response = importing(client, auth_headers, document)
    assert response.status_code == 422, response.json
    assert response.json["errors"]["reason"] == "too_long"
    assert "chats.0.messages.0.content" in response.json["errors"]
    assert client.get("/api/chats", headers=auth_headers).json == []


def test_an_imported_reply_over_the_reply_cap_is_refused_at_the_cap_accepted(
    client: FlaskClient, auth_headers: Headers, config: Config
) -> None:
    agent = agent_of(client, auth_headers)
    over = [said("USER", "q"), said("AI", "a" * (config.max_reply_chars + 1))]
    assert (
        importing(client, auth_headers, export_of("Over", agent, messages=over)).status_code == 422
    )
    at_cap = [said("USER", "q"), said("AI", "a" * config.max_reply_chars)]
    assert (
        importing(client, auth_headers, export_of("Cap", agent, messages=at_cap)).status_code == 201
    )


def test_an_import_is_bounded_in_chats_and_messages(
    config: Config, client: FlaskClient, auth_headers: Headers
) -> None:
    bounded = create_app(config.replace(max_import_chats=2, max_import_messages=5)).test_client()
    agent = agent_of(client, auth_headers)
    chat = export_of("One", agent)["chats"][0]
    many_chats = export_of("x", agent) | {"chats": [chat] * 3}
    response = importing(bounded, auth_headers, many_chats)
    assert response.status_code == 422 and "chats" in response.json["errors"]
    many_messages = export_of("Many", agent, messages=[said("USER", "m")] * 6)
    response = importing(bounded, auth_headers, many_messages)
    assert response.status_code == 422 and "messages" in response.json["errors"]


def test_a_long_chat_is_inserted_in_bulk_as_one_branch(
    app: Any, client: FlaskClient, auth_headers: Headers
) -> None:
    messages = [said("USER" if i % 2 == 0 else "AI", f"m{i}") for i in range(400)]
    document = export_of("Long chat", agent_of(client, auth_headers), messages=messages)
    response = importing(client, auth_headers, document)
    assert response.status_code == 201, response.json
    chat_id = response.json["chats"][0]["id"]
    with app.app_context():
        rows = db.session.execute(
            sa.select(Message.id, Message.parent_id, Message.content)
            .where(Message.chat_id == chat_id)
            .order_by(Message.id)
        ).all()
    assert [row.content for row in rows] == [f"m{i}" for i in range(400)]
    assert rows[0].parent_id is None
    assert all(row.parent_id == before.id for before, row in itertools.pairwise(rows))


def test_imports_are_rate_limited_per_caller(
    config: Config, client: FlaskClient, auth_headers: Headers
) -> None:
    limited = create_app(config.replace(rate_limit_imports="2/hour")).test_client()
    document = export_of("Again", agent_of(client, auth_headers))
    codes = [importing(limited, auth_headers, document).status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    other = limited.post("/api/auth/guest").json["access_token"]
    document = export_of("Guest", agent_of(client, bearer(other)))
    assert importing(limited, bearer(other), document).status_code == 201
