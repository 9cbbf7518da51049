"""The knowledge tables: an agent's files (their bytes kept in the database, so the API and the
worker share nothing but it) and the chunks retrieval reads."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm as so

from shared.core.db import Base, UTCDateTime, utcnow


class FileStatus(enum.StrEnum):
    QUEUED = "queued"
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"


class KnowledgeFile(Base):
    __tablename__ = "knowledge_files"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    agent_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("agents.id", ondelete="CASCADE"), index=True
    )
    name: so.Mapped[str] = so.mapped_column(sa.String(255))
    mime_type: so.Mapped[str] = so.mapped_column(sa.String(100))
    size: so.Mapped[int]
    status: so.Mapped[FileStatus] = so.mapped_column(
        sa.Enum(
            FileStatus,
            name="knowledge_file_status",
            native_enum=False,
            length=16,
            values_callable=lambda kinds: [kind.value for kind in kinds],
        ),
        default=FileStatus.QUEUED,
    )
    chunks: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    # `failed`: why. `ready`: a warning, when its embeddings failed (searched by full text only).
    error: so.Mapped[str | None] = so.mapped_column(sa.String(300))
    # The vector space of its chunks' embeddings ("model@dimensions"; None: none). Retrieval
    # compares only vectors of the space configured now.
    embedding_model: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    # Deferred: listing files never reads their bytes.
    content: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary, deferred=True)
    # A worker owns a file in `processing` until its lease ends; past it, the file is taken
    # again (a worker that died never leaves it stuck). Attempts bound the retries.
    lease_until: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    attempts: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (sa.Index("ix_knowledge_files_status", "status", "lease_until"),)


class KnowledgeChunk(Base):
    """One passage of a file: its place (for citations), the heading it falls under, its text
    and, when a model is configured, its embedding (float32, little-endian).

    The full-text index is not mapped: an FTS5 table kept by triggers on SQLite, a generated
    tsvector column with a GIN index on PostgreSQL (see `fulltext.py` and the migration)."""

    __tablename__ = "knowledge_chunks"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    file_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("knowledge_files.id", ondelete="CASCADE"), index=True
    )
    agent_id: so.Mapped[int] = so.mapped_column(sa.Integer, index=True)
    position: so.Mapped[int]
    heading: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    page: so.Mapped[int | None]
    text: so.Mapped[str] = so.mapped_column(sa.Text)
    embedding: so.Mapped[bytes | None] = so.mapped_column(sa.LargeBinary)

    # SQLite's FTS5 table follows rowids: never hand one out twice.
    __table_args__ = {"sqlite_autoincrement": True}
