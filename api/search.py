"""Chat search for the API: the caller's matching chats, newest activity first, with snippets."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_smorest.pagination import PaginationParameters
from sqlalchemy import orm as so

from api.deps import app_config
from api.extensions import db
from api.paging import page_of
from api.throttle import client_ip, throttle
from shared.auth.access import Caller, usable_chats
from shared.chats.search import chat_matches, newest_matching_messages, search_terms, title_matches
from shared.chats.snippets import Snippet, snippet
from shared.core.models import Chat
from shared.limits.ratelimit import search_checks


class ChatHit:
    """A found chat (every attribute of the chat) plus its snippet (None: the title matched)."""

    def __init__(self, chat: Chat, snippet: Snippet | None) -> None:
        self.chat = chat
        self.snippet = snippet

    def __getattr__(self, name: str) -> Any:
        return getattr(self.chat, name)


def search_chats(
    caller: Caller, query: str, pagination: PaginationParameters, agent_id: int | None = None
) -> list[ChatHit]:
    """The caller's chats whose title or messages have every word of `query`; rate-limited
    per caller and IP, and bounded in time on PostgreSQL (a 503 past SEARCH_TIMEOUT_MS), so
    searches cannot hold the database from everyone else's turns."""
    throttle(search_checks(caller, client_ip()))
    terms = search_terms(query)
    if not terms:
        pagination.item_count = 0
        return []
    dialect = db.engine.dialect.name
    if dialect == "postgresql":  # for this request's transaction only
        timeout = max(int(app_config().search_timeout_ms), 1)
        db.session.execute(sa.text(f"SET LOCAL statement_timeout = {timeout}"))
    found = sa.select(Chat).where(usable_chats(caller), chat_matches(dialect, terms))
    if agent_id is not None:
        found = found.where(Chat.agent_id == agent_id)
    found = found.options(so.joinedload(Chat.agent))
    chats = page_of(found.order_by(Chat.updated_at.desc(), Chat.id.desc()), pagination)
    return with_snippets(dialect, terms, chats)


def with_snippets(dialect: str, terms: list[str], chats: list[Chat]) -> list[ChatHit]:
    """Each chat with the snippet of its newest matching message (None when the title matched)."""
    ids = [chat.id for chat in chats]
    by_title = set(
        db.session.scalars(
            sa.select(Chat.id).where(Chat.id.in_(ids), title_matches(dialect, terms))
        )
    )
    others = [chat_id for chat_id in ids if chat_id not in by_title]
    texts: dict[int, str] = {}
    if others:
        rows = db.session.execute(newest_matching_messages(dialect, terms, others))
        texts = {chat_id: content for chat_id, content in rows}
    return [
        ChatHit(chat, snippet(texts[chat.id], terms) if chat.id in texts else None)
        for chat in chats
    ]
