"""Dense search over an agent's chunk vectors, exact and in process: each chunk's vector is a
float32 blob (little-endian, unit length) in its row; an agent's vectors are read once into one
numpy matrix, kept per process (least recently used first out, within a byte budget), and a
query is one matrix-vector product, so cosine top-k is exact. Neither pgvector nor sqlite-vec
is needed (both are optional extensions, often missing); tens of thousands of chunks an agent
take a few milliseconds.

The matrix is read again when the agent's ready files change: a stamp read from the files (at
most MAX_AGENT_FILES rows) says so, never a scan of the chunks."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
import sqlalchemy as sa

from shared.knowledge.models import FileStatus, KnowledgeChunk, KnowledgeFile

Matrix = np.ndarray[Any, np.dtype[np.float32]]
_FLOAT32 = np.dtype("<f4")
# Dense hits kept: at least this fraction of the best hit's cosine.
RELATIVE_FLOOR = 0.5


def to_blob(vector: Matrix) -> bytes:
    return vector.astype(_FLOAT32, copy=False).tobytes()


def from_blob(blob: bytes) -> Matrix:
    return np.frombuffer(blob, dtype=_FLOAT32)


def _ready_in(space: str) -> sa.ColumnElement[bool]:
    return sa.and_(
        KnowledgeFile.agent_id == sa.bindparam("agent"),
        KnowledgeFile.status == FileStatus.READY,
        KnowledgeFile.embedding_model == space,
    )


def stamp_stmt(space: str) -> sa.Select[int, int | None, Any, int | None]:
    """What changes whenever the agent's embedded chunks do (ids are never handed out twice
    for chunks; a file's `updated_at` is its last change, and a new file's is the newest)."""
    return sa.select(
        sa.func.count(KnowledgeFile.id),
        sa.func.max(KnowledgeFile.id),
        sa.func.max(KnowledgeFile.updated_at),
        sa.func.sum(KnowledgeFile.chunks),
    ).where(_ready_in(space))


def vectors_stmt(space: str) -> sa.Select[int, bytes | None]:
    return (
        sa.select(KnowledgeChunk.id, KnowledgeChunk.embedding)
        .join(KnowledgeFile, KnowledgeFile.id == KnowledgeChunk.file_id)
        .where(_ready_in(space), KnowledgeChunk.embedding.is_not(None))
    )


@dataclass(frozen=True)
class AgentVectors:
    stamp: tuple[Any, ...]
    ids: np.ndarray[Any, np.dtype[np.int64]]
    matrix: Matrix

    @property
    def size(self) -> int:
        return int(self.matrix.nbytes + self.ids.nbytes)


class VectorIndex:
    """Agents' vector matrices of one vector space, cached in this process."""

    def __init__(self, space: str, max_bytes: int) -> None:
        self.space = space
        self.max_bytes = max_bytes
        self._agents: OrderedDict[int, AgentVectors] = OrderedDict()
        self._lock = threading.Lock()

    def search(
        self, connection: sa.Connection, agent_id: int, query: Matrix, k: int
    ) -> list[tuple[int, float]]:
        """(chunk id, cosine) of the agent's `k` chunks nearest `query`, nearest first."""
        vectors = self.vectors(connection, agent_id)
        if not len(vectors.ids) or vectors.matrix.shape[1] != query.shape[0]:
            return []
        scores = vectors.matrix @ query
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        # The nearest k always exist, however far: a chunk much farther than the nearest is
        # noise, and in a fused ranking noise would push aside what only one search found.
        floor = float(scores[top[0]]) * RELATIVE_FLOOR
        return [(int(vectors.ids[i]), float(scores[i])) for i in top if scores[i] >= floor]

    def vectors(self, connection: sa.Connection, agent_id: int) -> AgentVectors:
        stamp = tuple(connection.execute(stamp_stmt(self.space), {"agent": agent_id}).one())
        with self._lock:
            cached = self._agents.get(agent_id)
            if cached is not None and cached.stamp == stamp:
                self._agents.move_to_end(agent_id)
                return cached
        loaded = self._load(connection, agent_id, stamp)
        with self._lock:
            self._agents[agent_id] = loaded
            self._agents.move_to_end(agent_id)
            while len(self._agents) > 1 and self._bytes() > self.max_bytes:
                self._agents.popitem(last=False)
        return loaded

    def _load(
        self, connection: sa.Connection, agent_id: int, stamp: tuple[Any, ...]
    ) -> AgentVectors:
        rows = connection.execute(vectors_stmt(self.space), {"agent": agent_id}).all()
        ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
        if not rows:
            return AgentVectors(stamp, ids, np.zeros((0, 0), dtype=np.float32))
        matrix = np.frombuffer(b"".join(row[1] or b"" for row in rows), dtype=_FLOAT32)
        return AgentVectors(stamp, ids, matrix.reshape(len(rows), -1))

    def _bytes(self) -> int:
        return sum(vectors.size for vectors in self._agents.values())
