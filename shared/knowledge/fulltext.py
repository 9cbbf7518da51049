"""The full-text index of the chunks, per database: an FTS5 table kept in step by triggers on
SQLite; a generated tsvector column with a GIN index on PostgreSQL. The migration creates them
from the statements here, and the lexical search reads them."""

from __future__ import annotations

import re

import sqlalchemy as sa

SQLITE_DDL = (
    "CREATE VIRTUAL TABLE knowledge_chunks_fts USING fts5(heading, text, "
    "content='knowledge_chunks', content_rowid='id', tokenize='porter unicode61')",
    "CREATE TRIGGER knowledge_chunks_ai AFTER INSERT ON knowledge_chunks BEGIN "
    "INSERT INTO knowledge_chunks_fts(rowid, heading, text) "
    "VALUES (new.id, new.heading, new.text); END",
    "CREATE TRIGGER knowledge_chunks_ad AFTER DELETE ON knowledge_chunks BEGIN "
    "INSERT INTO knowledge_chunks_fts(knowledge_chunks_fts, rowid, heading, text) "
    "VALUES ('delete', old.id, old.heading, old.text); END",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS knowledge_chunks_ad",
    "DROP TRIGGER IF EXISTS knowledge_chunks_ai",
    "DROP TABLE IF EXISTS knowledge_chunks_fts",
)
POSTGRES_DDL = (
    "ALTER TABLE knowledge_chunks ADD COLUMN tsv tsvector GENERATED ALWAYS AS "
    "(to_tsvector('english', heading || ' ' || text)) STORED",
    "CREATE INDEX ix_knowledge_chunks_tsv ON knowledge_chunks USING gin (tsv)",
)

MAX_TERMS = 32
_WORD = re.compile(r"\w+")

_SQLITE_SEARCH = sa.text(
    "SELECT c.id, -bm25(knowledge_chunks_fts) AS score FROM knowledge_chunks_fts "
    "JOIN knowledge_chunks c ON c.id = knowledge_chunks_fts.rowid "
    "WHERE knowledge_chunks_fts MATCH :query AND c.agent_id = :agent "
    "ORDER BY bm25(knowledge_chunks_fts) LIMIT :limit"
)
_POSTGRES_SEARCH = sa.text(
    "SELECT c.id, ts_rank_cd(c.tsv, q) AS score "
    "FROM knowledge_chunks c, to_tsquery('english', :query) q "
    "WHERE c.agent_id = :agent AND c.tsv @@ q ORDER BY score DESC LIMIT :limit"
)


def terms(question: str) -> list[str]:
    """The distinct words of a question (letters and digits only: nothing an index parses)."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(question.lower()):
        if len(word) > 1 and "_" not in word:
            seen.setdefault(word)
    return list(seen)[:MAX_TERMS]


def lexical(
    connection: sa.Connection, agent_id: int, question: str, limit: int
) -> list[tuple[int, float]]:
    """(chunk id, score) of the agent's chunks that share words with `question`, best first:
    any word matches (OR), ranked by BM25 (SQLite) or cover density (PostgreSQL)."""
    words = terms(question)
    if not words:
        return []
    if connection.dialect.name == "postgresql":
        query, statement = " | ".join(words), _POSTGRES_SEARCH
    else:
        query, statement = " OR ".join(f'"{word}"' for word in words), _SQLITE_SEARCH
    params = {"query": query, "agent": agent_id, "limit": limit}
    return [(row[0], float(row[1])) for row in connection.execute(statement, params)]
