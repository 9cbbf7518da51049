"""The ingestion job: claim a queued file (a lease, so a worker that dies leaves it to be taken
again), extract it in a bounded child process, chunk it, and store the chunks and `ready` in
one commit, or `failed` with the reason. Runs in the worker, never in a request."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy import orm as so

from shared.core.db import utcnow
from shared.core.models import Agent
from shared.knowledge.bounded import extract_bounded
from shared.knowledge.chunking import Chunk, chunk_blocks
from shared.knowledge.embedding import ChunkVectors, Embedder, embed_chunks
from shared.knowledge.formats import Kind, Refused
from shared.knowledge.models import FileStatus, KnowledgeChunk, KnowledgeFile

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class Limits:
    max_chars: int
    seconds: float
    memory_mb: int
    lease_seconds: float


def claim(session: so.Session, file_id: int, lease_seconds: float) -> bool:
    """Take the file for this worker: queued, or processing by a worker whose lease ran out."""
    now = utcnow()
    taken = session.execute(
        sa.update(KnowledgeFile)
        .where(
            KnowledgeFile.id == file_id,
            sa.or_(
                KnowledgeFile.status == FileStatus.QUEUED,
                sa.and_(
                    KnowledgeFile.status == FileStatus.PROCESSING,
                    KnowledgeFile.lease_until < now,
                ),
            ),
        )
        .values(
            status=FileStatus.PROCESSING,
            lease_until=now + timedelta(seconds=lease_seconds),
            attempts=KnowledgeFile.attempts + 1,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(taken.rowcount)  # type: ignore[attr-defined]


def ingest_file(
    sessions: so.sessionmaker[so.Session],
    file_id: int,
    limits: Limits,
    embedder: Embedder | None = None,
) -> str:
    """Ingest one file; its final status (or "skipped" when another worker has it)."""
    with sessions() as session:
        if not claim(session, file_id, limits.lease_seconds):
            return "skipped"
        session.commit()
        row = session.execute(
            sa.select(
                KnowledgeFile.content,
                KnowledgeFile.mime_type,
                KnowledgeFile.attempts,
                Agent.owner_id,
            )
            .join(Agent, Agent.id == KnowledgeFile.agent_id)
            .where(KnowledgeFile.id == file_id)
        ).one()
    if row.attempts > MAX_ATTEMPTS:
        return finish_failed(sessions, file_id, "Gave up after the worker stopped mid-file.")
    try:
        blocks = extract_bounded(
            row.content, Kind(row.mime_type), limits.max_chars, limits.seconds, limits.memory_mb
        )
    except Refused as refused:
        return finish_failed(sessions, file_id, refused.message)
    chunks = chunk_blocks(blocks)
    vectors = ChunkVectors()
    if embedder is not None and chunks:
        renew = functools.partial(extend_lease, sessions, file_id, limits.lease_seconds)
        vectors = embed_chunks(embedder, chunks, row.owner_id, renew)
        record(sessions, vectors)
    return store_chunks(sessions, file_id, chunks, vectors)


def record(sessions: so.sessionmaker[so.Session], vectors: ChunkVectors) -> None:
    """The embedding calls' ledger rows, kept even when the file goes away meanwhile (the
    calls were made, and paid for)."""
    if vectors.events:
        with sessions() as session:
            session.add_all(vectors.events)
            session.commit()


def extend_lease(sessions: so.sessionmaker[so.Session], file_id: int, seconds: float) -> None:
    """This worker still has the file (a long file's embeddings outlast one lease)."""
    with sessions() as session:
        session.execute(
            sa.update(KnowledgeFile)
            .where(KnowledgeFile.id == file_id, KnowledgeFile.status == FileStatus.PROCESSING)
            .values(lease_until=utcnow() + timedelta(seconds=seconds))
            .execution_options(synchronize_session=False)
        )
        session.commit()


def store_chunks(
    sessions: so.sessionmaker[so.Session],
    file_id: int,
    chunks: list[Chunk],
    vectors: ChunkVectors | None = None,
) -> str:
    """The file's chunks (with their vectors) and `ready` in one commit (nothing when it was
    deleted meanwhile); a warning in `error` when its embeddings failed."""
    vectors = vectors or ChunkVectors()
    blobs: list[bytes | None] = [*vectors.blobs] if vectors.blobs else [None] * len(chunks)
    with sessions() as session:
        done = finish(
            session, file_id, FileStatus.READY, vectors.warning, len(chunks), vectors.space
        )
        if not done:
            return "skipped"
        agent_id = session.scalar(
            sa.select(KnowledgeFile.agent_id).where(KnowledgeFile.id == file_id)
        )
        session.execute(sa.delete(KnowledgeChunk).where(KnowledgeChunk.file_id == file_id))
        if chunks:
            session.execute(
                sa.insert(KnowledgeChunk),
                [
                    {
                        "file_id": file_id,
                        "agent_id": agent_id,
                        "position": c.position,
                        "heading": c.heading,
                        "page": c.page,
                        "text": c.text,
                        "embedding": blob,
                    }
                    for c, blob in zip(chunks, blobs, strict=True)
                ],
            )
        recount(session, int(agent_id or 0))
        session.commit()
    return FileStatus.READY.value


def finish(
    session: so.Session,
    file_id: int,
    status: FileStatus,
    error: str | None,
    chunks: int,
    space: str | None = None,
) -> bool:
    ended = session.execute(
        sa.update(KnowledgeFile)
        .where(KnowledgeFile.id == file_id, KnowledgeFile.status == FileStatus.PROCESSING)
        .values(status=status, error=error, chunks=chunks, embedding_model=space)
        .values(lease_until=None, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return bool(ended.rowcount)  # type: ignore[attr-defined]


def finish_failed(sessions: so.sessionmaker[so.Session], file_id: int, error: str) -> str:
    with sessions() as session:
        finish(session, file_id, FileStatus.FAILED, error[:300], 0)
        session.commit()
    log.info("knowledge file %s failed: %s", file_id, error)
    return FileStatus.FAILED.value


def recount(session: so.Session, agent_id: int) -> None:
    """The agent's count of ready files, which every turn reads with its chat (a turn with an
    agent that has none makes no query for knowledge)."""
    ready = (
        sa.select(sa.func.count())
        .where(KnowledgeFile.agent_id == agent_id, KnowledgeFile.status == FileStatus.READY)
        .scalar_subquery()
    )
    session.execute(
        sa.update(Agent)
        .where(Agent.id == agent_id)
        .values(knowledge_files=ready)
        .execution_options(synchronize_session=False)
    )


def stale(session: so.Session, queued_after: float) -> list[int]:
    """Files a worker should take (again): processing past their lease (the worker died), or
    queued for longer than `queued_after` seconds (their queue message was lost)."""
    now = utcnow()
    rows = session.scalars(
        sa.select(KnowledgeFile.id).where(
            sa.or_(
                sa.and_(
                    KnowledgeFile.status == FileStatus.PROCESSING,
                    KnowledgeFile.lease_until < now,
                ),
                sa.and_(
                    KnowledgeFile.status == FileStatus.QUEUED,
                    KnowledgeFile.updated_at < now - timedelta(seconds=queued_after),
                ),
            )
        )
    )
    return list(rows)


def outdated(session: so.Session, space: str) -> list[int]:
    """Ready files with chunks whose vectors are not of `space`: embedded by another model or
    size, or not at all (before embeddings were configured, or their embeddings failed),
    queued again to be read and embedded in `space`. Until then they are not searched."""
    model = KnowledgeFile.embedding_model
    rows = session.execute(
        sa.select(KnowledgeFile.id, KnowledgeFile.agent_id).where(
            KnowledgeFile.status == FileStatus.READY,
            KnowledgeFile.chunks > 0,
            sa.or_(model.is_(None), model != space),
        )
    ).all()
    if not rows:
        return []
    ids = [row.id for row in rows]
    agents = {row.agent_id for row in rows}
    session.execute(
        sa.update(KnowledgeFile)
        .where(KnowledgeFile.id.in_(ids))
        .values(status=FileStatus.QUEUED, attempts=0, error=None, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    for agent_id in agents:
        recount(session, agent_id)
    return ids
