"""Chat search: which chats match a query, by title or message text, through a full-text index.

Matching is by word prefix ("recip" finds "Recipes"), case- and accent-insensitive, every word
of the query required. Each backend uses its own index, kept in sync by the database itself
(migration 0005_chat_ux): PostgreSQL a GIN index on `to_tsvector('simple', chat_search_fold(x))`
(lower-case, unaccented), SQLite FTS5 tables (`unicode61 remove_diacritics 2`) filled by triggers.
The statements here only build SQL; the API executes them.
"""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from sqlalchemy import orm as so

from shared.core.models import Chat, Message

MAX_TERMS = 8
MAX_TERM_CHARS = 64
# The part of a long message a snippet is cut from: a 250 KB message is not sent to the API and
# folded character by character for 160 characters of excerpt.
SNIPPET_SOURCE_CHARS = 20_000
SIMPLE: sa.ColumnClause[str] = sa.literal_column("'simple'::regconfig")
# Words as both indexes see them: letters and digits; everything else (incl. "_") separates.
WORD = re.compile(r"[^\W_]+")


def search_terms(query: str) -> list[str]:
    """The words of a query (at most MAX_TERMS, each cut to MAX_TERM_CHARS)."""
    words = WORD.findall(unicodedata.normalize("NFC", query))
    return [word[:MAX_TERM_CHARS] for word in words[:MAX_TERMS]]


def _quoted_prefix(term: str) -> sa.ColumnElement[str]:
    """`term` folded as the index folds it, as a quoted tsquery prefix (`'folded':*`).

    Folded after the query is built, a term of letters can still become tsquery syntax
    (unaccent turns U+02BC into `'` and U+2474 into `(1)`), so each term is folded alone and
    then quoted: inside quotes `\\` and `'` are escaped and nothing else is syntax."""
    folded = sa.func.chat_search_fold(sa.literal(term, sa.String))
    escaped = sa.func.replace(sa.func.replace(folded, "\\", "\\\\"), "'", "''")
    return sa.literal("'") + escaped + sa.literal("':*")


def _postgres_match(column: so.QueryableAttribute[str], terms: list[str]) -> sa.ColumnElement[bool]:
    tsquery = sa.func.concat_ws(" & ", *(_quoted_prefix(term) for term in terms))
    document = sa.func.to_tsvector(SIMPLE, sa.func.chat_search_fold(column))
    return document.op("@@")(sa.func.to_tsquery(SIMPLE, tsquery))


def _sqlite_match(fts_table: str, terms: list[str]) -> sa.Select[int]:
    # Each term quoted (letters and digits only) and a prefix: "word"* "other"*
    match = " ".join(f'"{term}"*' for term in terms)
    table = sa.table(fts_table, sa.column("rowid", sa.Integer))
    return sa.select(table.c.rowid).where(sa.literal_column(fts_table).op("MATCH")(match))


def title_matches(dialect: str, terms: list[str]) -> sa.ColumnElement[bool]:
    """Chats whose title has every term."""
    if dialect == "postgresql":
        # As a subquery, so the title index is used instead of folding every chat's title.
        titled = so.aliased(Chat)
        return Chat.id.in_(sa.select(titled.id).where(_postgres_match(titled.title, terms)))
    return Chat.id.in_(_sqlite_match("chats_fts", terms))


def message_matches(dialect: str, terms: list[str]) -> sa.ColumnElement[bool]:
    """Messages whose text has every term."""
    if dialect == "postgresql":
        return _postgres_match(Message.content, terms)
    return Message.id.in_(_sqlite_match("messages_fts", terms))


def chat_matches(dialect: str, terms: list[str]) -> sa.ColumnElement[bool]:
    """Chats whose title, or one of whose messages, has every term."""
    with_message = sa.select(Message.chat_id).where(
        message_matches(dialect, terms),
        Message.selected.is_(True),  # the branch shown
    )
    return sa.or_(title_matches(dialect, terms), Chat.id.in_(with_message))


def newest_matching_messages(
    dialect: str, terms: list[str], chat_ids: list[int]
) -> sa.Select[int, str]:
    """(chat_id, content) of the newest matching message in each of `chat_ids`."""
    newest = (
        sa.func.row_number()
        .over(partition_by=Message.chat_id, order_by=(Message.created_at.desc(), Message.id.desc()))
        .label("newest")
    )
    content = sa.func.substr(Message.content, 1, SNIPPET_SOURCE_CHARS).label("content")
    ranked = (
        sa.select(Message.chat_id, content, newest)
        .where(
            Message.chat_id.in_(chat_ids),
            message_matches(dialect, terms),
            Message.selected.is_(True),
        )
        .subquery()
    )
    return sa.select(ranked.c.chat_id, ranked.c.content).where(ranked.c.newest == 1)
