"""Chat export and import: one JSON document format (also the import format) and Markdown.

The document is `{"format": "agent-chatbot.chats", "version": 1, "exported_at", "chats": [...]}`,
each chat `{title, agent: {id, name}, created_at, updated_at, imported_at, messages:
[{message_by, content, created_at}]}`. Importing creates new chats, each marked with when it was
imported; nothing stored is ever overwritten. `imported_at` is optional on import (files from
before it are read as ever) and says when an exported chat was itself imported (null: not).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm as so

from shared.auth.access import Caller, visible_agents
from shared.core.models import Agent, Chat, Message, MessageBy

EXPORT_FORMAT = "agent-chatbot.chats"
EXPORT_VERSION = 1


def chat_document(chat: Chat, messages: Sequence[Message]) -> dict[str, Any]:
    """One chat as exported (datetimes stay datetimes; the schema writes them as ISO 8601)."""
    return {
        "title": chat.title,
        "agent": {"id": chat.agent_id, "name": chat.agent.name},
        "created_at": chat.created_at,
        "updated_at": chat.updated_at,
        "imported_at": chat.imported_at,
        "messages": [
            {
                "message_by": m.message_by,
                "content": m.content,
                "created_at": m.created_at,
                "sources": m.sources,
            }
            for m in messages
        ],
    }


def export_document(chats: Iterable[dict[str, Any]], now: datetime) -> dict[str, Any]:
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": now,
        "chats": list(chats),
    }


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def chat_markdown(chat: Chat, messages: Sequence[Message], now: datetime) -> str:
    """The chat as a readable Markdown file: a heading, the facts, then each message."""
    agent = " ".join(chat.agent.name.split())
    lines = [
        f"# {' '.join(chat.title.split())}",
        "",
        f"- Agent: {agent}",
        f"- Started: {_when(chat.created_at)}",
        f"- Last activity: {_when(chat.updated_at)}",
        f"- Exported: {_when(now)}",
        "",
        "---",
    ]
    for message in messages:
        speaker = "You" if message.message_by is MessageBy.USER else agent
        lines += ["", f"**{speaker}** · {_when(message.created_at)}", "", message.content.strip()]
        if message.sources:
            lines += ["", *(cited(n, source) for n, source in enumerate(message.sources, 1))]
    return "\n".join(lines) + "\n"


def cited(number: int, source: dict[str, Any]) -> str:
    return f"> [{number}] {source.get('file_name')}, passage {int(source.get('chunk', 0)) + 1}"


def imported_chat(caller: Caller, agent_id: int, data: dict[str, Any], now: datetime) -> Chat:
    """A new chat of the caller's for a validated exported chat (its messages: see below),
    marked as imported `now` (whatever the file says: this copy is the one imported now)."""
    return Chat(
        agent_id=agent_id,
        user_id=caller.user_id,
        guest_id=caller.guest_id,
        title=data["title"],
        created_at=data["created_at"],
        updated_at=data["updated_at"],
        imported_at=now,
    )


def import_problems(
    exported: Sequence[dict[str, Any]], limits: ImportLimits
) -> dict[str, list[str]]:
    """Why an import is refused (empty: it is not): too many chats or messages, or a message
    longer than a typed one may be (USER: `max_message_chars`; AI: `max_reply_chars`)."""
    problems: dict[str, list[str]] = {}
    if len(exported) > limits.chats:
        problems["chats"] = [f"At most {limits.chats:,} chats per import."]
    if sum(len(chat["messages"]) for chat in exported) > limits.messages:
        problems["messages"] = [f"At most {limits.messages:,} messages per import."]
    for c, chat in enumerate(exported):
        for m, message in enumerate(chat["messages"]):
            most = limits.user_chars if message["message_by"] is MessageBy.USER else limits.ai_chars
            if len(message["content"]) > most:
                problems[f"chats.{c}.messages.{m}.content"] = [f"Longer than {most:,} characters."]
                if len(problems) >= 10:  # enough to show what is wrong
                    return problems
    return problems


@dataclass(frozen=True)
class ImportLimits:
    chats: int
    messages: int
    user_chars: int
    ai_chars: int


def clamped(data: dict[str, Any], now: datetime) -> dict[str, Any]:
    """An exported chat with no time in the future (a far-future `updated_at` would keep an
    imported guest chat from ever being purged)."""
    messages = [m | {"created_at": min(m["created_at"], now)} for m in data["messages"]]
    created = min(data["created_at"], now)
    return data | {
        "created_at": created,
        "updated_at": max(min(data["updated_at"], now), created),
        "messages": messages,
    }


def add_imported_messages(
    session: so.Session, chat: Chat, caller: Caller, data: dict[str, Any]
) -> None:
    """Store the messages of a validated exported chat in the (flushed) new `chat`, as one
    branch in time order (a branch is chronological, shared/turns/tree.py): each message
    follows the one before it, the n-th at depth n, as the turn tree expects. In bulk: one
    INSERT of all rows (ids returned in order), then one executemany UPDATE linking each to
    the one before (a 60,000-message chat inserted row by row took half a minute)."""
    rows = [
        {
            "chat_id": chat.id,
            "user_id": caller.user_id,
            "message_by": message["message_by"],
            "content": message["content"],
            "created_at": message["created_at"],
            "depth": depth,
        }
        for depth, message in enumerate(in_time_order(data["messages"]), start=1)
    ]
    if not rows:
        return
    inserting = sa.insert(Message).returning(Message.id, sort_by_parameter_order=True)
    ids = list(session.scalars(inserting, rows))
    links = [{"id": child, "parent_id": parent} for parent, child in itertools.pairwise(ids)]
    if links:
        session.execute(sa.update(Message), links)


def in_time_order(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Oldest first; messages written at the same time keep their order in the file."""
    return sorted(messages, key=lambda message: message["created_at"])


def agent_for_import(caller: Caller, exported: dict[str, Any]) -> sa.Select[Agent]:
    """The agent an imported chat goes to: one the caller can see with the exported id and
    name, else with that name (the caller's own first), else with that id."""
    same_id = Agent.id == (exported.get("id") or 0)
    same_name = Agent.name == exported["name"]
    preference = sa.case((sa.and_(same_id, same_name), 0), (same_name, 1), else_=2)
    own_first = sa.case((Agent.owner_id == caller.user_id, 0), else_=1)
    return (
        sa.select(Agent)
        .where(visible_agents(caller), sa.or_(same_id, same_name))
        .order_by(preference, own_first, Agent.id)
        .limit(1)
    )
