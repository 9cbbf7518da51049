"""What the voice service's turns cost the database, counted (see tests/sqlcount.py).

The numbers do not depend on the machine, so they are asserted: a statement, a transaction or
a reload added to a streamed or spoken turn fails here. On PostgreSQL every statement, BEGIN
and COMMIT is a round trip; on SQLite (in-process) the statements are what costs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient
from quart import Quart
from quart.typing import TestClientProtocol as VoiceClient
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.sqlcount import Tally, counted
from tests.voice.conftest import Headers, post_recording, stored_messages
from tests.waiting import eventually
from voice import deps


def engine(voice_app: Quart) -> AsyncEngine:
    return deps.services_of(voice_app).serving.engine  # type: ignore[union-attr]


def check_engine(voice_app: Quart) -> sa.Engine:
    """The blocking engine the budget checks run on (off the event loop)."""
    return deps.services_of(voice_app).serving.checks.engine  # type: ignore[union-attr]


def on_postgresql(voice_app: Quart) -> bool:
    return bool(engine(voice_app).dialect.name == "postgresql")


async def tally_of(
    voice_app: Quart, turn: Callable[[], Awaitable[Any]], settled: Callable[[], bool]
) -> tuple[Any, Tally]:
    """The response of `turn` and what the voice service sent the database for it, counted
    until `settled()` (the reply stored complete, read through the API's own engine)."""
    with (
        counted(engine(voice_app).sync_engine) as tally,
        counted(check_engine(voice_app)) as checks,
    ):
        response = await turn()
        await response.get_data()
        await eventually(settled)
    tally.statements += checks.statements
    tally.commits += checks.commits
    tally.transaction_commands += checks.transaction_commands
    return response, tally


def reply_complete(client: FlaskClient, chat_id: int, headers: Headers, turns: int) -> bool:
    stored = stored_messages(client, chat_id, headers)
    return len(stored) == 2 * turns and stored[-1]["status"] == "complete"


async def test_a_streamed_turn_takes_two_commits_and_six_round_trips(
    voice_app: Quart,
    voice_client: VoiceClient,
    user_chat: tuple[Headers, dict[str, Any]],
    client: FlaskClient,
) -> None:
    headers, chat = user_chat
    path = f"/voice/chats/{chat['id']}/messages/stream"
    first = await voice_client.post(path, headers=headers, json={"content": "names the chat"})
    await first.get_data()
    await eventually(lambda: reply_complete(client, chat["id"], headers, 1))

    response, tally = await tally_of(
        voice_app,
        lambda: voice_client.post(path, headers=headers, json={"content": "Hi"}),
        lambda: reply_complete(client, chat["id"], headers, 2),
    )

    assert response.status_code == 200
    # The question's transaction (lock with the account check, branch end, INSERT) and the
    # finish with its charge, one statement on its own.
    assert tally.commits == 2, tally.report()
    if on_postgresql(voice_app):
        assert tally.round_trips == 6, tally.report()
    else:
        assert len(tally.statements) == 7, tally.report()


async def test_a_spoken_turn_writes_its_speech_usage_without_transactions_of_their_own(
    voice_app: Quart,
    voice_client: VoiceClient,
    user_chat: tuple[Headers, dict[str, Any]],
    client: FlaskClient,
) -> None:
    headers, chat = user_chat

    response, tally = await tally_of(
        voice_app,
        lambda: post_recording(voice_client, chat["id"], headers),
        lambda: reply_complete(client, chat["id"], headers, 1),
    )

    assert response.status_code == 201
    # The account; the chat; the reservation; the seconds heard; the question's transaction
    # (BEGIN, lock, branch end, INSERT, COMMIT); the finish; the characters spoken. The seconds
    # heard and the characters spoken are each checked against the caller's speech allowance
    # before the call, atomically with their ledger row: a transaction each (BEGIN, the
    # allowance's lock, its sum, the INSERT, COMMIT), 4 more round trips each than a lone
    # INSERT on PostgreSQL, 2 more statements each on SQLite (no BEGIN/COMMIT counted there).
    if on_postgresql(voice_app):
        assert tally.round_trips == 11 + 2 * 4, tally.report()
    else:
        assert len(tally.statements) == 11 + 2 * 2, tally.report()
