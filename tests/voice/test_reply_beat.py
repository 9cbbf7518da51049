"""The beat: the replies a process writes are saved and checked together, one transaction a
beat whatever their number (shared/turns/beat.py)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask
from quart import Quart

from api.extensions import db
from shared.core.models import Chat, Message, MessageBy, MessageStatus
from shared.turns.generation import Writer
from tests.conftest import Headers
from tests.sqlcount import counted
from voice import deps


def pending_replies(app: Flask, chat_id: int, count: int) -> list[int]:
    """`count` empty pending replies in the chat, as a turn leaves them when it starts."""
    with app.app_context():
        chat = db.session.get(Chat, chat_id)
        assert chat is not None
        replies = [
            Message(
                chat_id=chat_id,
                user_id=chat.user_id,
                message_by=MessageBy.AI,
                content="",
                status=MessageStatus.PENDING,
                depth=1,
            )
            for _ in range(count)
        ]
        db.session.add_all(replies)
        db.session.commit()
        return [reply.id for reply in replies]


def stored(app: Flask, ids: list[int]) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(Message.status, Message.content)
            .where(Message.id.in_(ids))
            .order_by(Message.id)
        )
        return [(status.value, content) for status, content in rows]


def stop_stored(app: Flask, reply_id: int) -> None:
    """What the API's stop does to a reply another process writes."""
    with app.app_context():
        db.session.execute(
            sa.update(Message).where(Message.id == reply_id).values(status=MessageStatus.STOPPED)
        )
        db.session.commit()


def on_postgresql(voice_app: Quart) -> bool:
    engine = deps.services_of(voice_app).serving.engine  # type: ignore[union-attr]
    return bool(engine.dialect.name == "postgresql")


async def test_replies_written_at_once_are_saved_and_checked_in_one_transaction(
    voice_app: Quart, app: Flask, user_chat: tuple[Headers, dict[str, Any]]
) -> None:
    _, chat = user_chat
    ids = pending_replies(app, chat["id"], 6)
    writer: Writer = deps.services_of(voice_app).serving.writer  # type: ignore[union-attr]
    engine = deps.services_of(voice_app).serving.engine.sync_engine  # type: ignore[union-attr]
    live = [writer.hub.start(reply_id) for reply_id in ids]
    try:
        for n, running in enumerate(live):
            running.text = f"reply {n}, so far"
        stop_stored(app, ids[0])  # stopped elsewhere (the API) while written here

        with counted(engine) as first:
            await writer.beat.once()
        live[3].text += " and more"
        with counted(engine) as second:
            await writer.beat.once()
        with counted(engine) as idle:
            await writer.beat.once()
    finally:
        for reply_id in ids:
            writer.hub.running.pop(reply_id, None)

    # One transaction a beat: the check for stops, then every grown text in one executemany.
    assert first.commits == second.commits == idle.commits == 1
    if on_postgresql(voice_app):  # BEGIN and COMMIT are round trips too
        assert (first.round_trips, idle.round_trips) == (4, 3), first.report() + idle.report()
    else:  # nothing grew: only the check
        assert (len(first.statements), len(idle.statements)) == (2, 1), first.report()
    assert stored(app, ids) == [("stopped", "")] + [
        ("pending", f"reply {n}, so far" + (" and more" if n == 3 else "")) for n in range(1, 6)
    ]
    assert live[0].stop.is_set()  # its writer ends it at once, as stopped
    assert not any(running.stop.is_set() for running in live[1:])
