"""What a text turn and a history page cost the database, counted (see tests/sqlcount.py).

The numbers are machine-independent, so they are asserted: a change that adds a query, a
reload after commit or a commit fails here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from api.extensions import db
from tests.conftest import Headers
from tests.sqlcount import Tally, counted


def tally_of(app: Flask, request: Callable[[], Any]) -> tuple[Any, Tally]:
    with app.app_context():
        engine = db.engine
    with counted(engine) as tally:
        response = request()
    return response, tally


def test_text_turn_statements(
    app: Flask,
    client: FlaskClient,
    auth_headers: Headers,
    new_chat: Callable[[Headers], dict[str, Any]],
) -> None:
    chat = new_chat(auth_headers)
    client.post(f"/api/chats/{chat['id']}/messages", json={"content": "warm"}, headers=auth_headers)
    response, tally = tally_of(
        app,
        lambda: client.post(
            f"/api/chats/{chat['id']}/messages", json={"content": "Hi"}, headers=auth_headers
        ),
    )
    assert response.status_code == 201, response.json
    print(tally.report())
    assert tally.commits == 2, tally.report()
    assert tally.round_trips <= 6, tally.report()
