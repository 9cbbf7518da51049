"""The job queue: huey, on an embedded SQLite file by default (nothing to install) or Redis
when REDIS_URL is set. The API enqueues, `flask --app api worker` consumes; huey retries a job
that raised, and a periodic job takes again the files whose worker died."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey, crontab
from sqlalchemy import orm as so

from shared.core.config import ROOT, Config
from shared.core.db import sync_engine
from shared.knowledge.embedding import Embedder
from shared.knowledge.ingest import Limits, ingest_file, outdated, stale
from shared.providers.openai_embeddings import embeddings_provider

QUEUE_NAME = "knowledge"
# A queued file whose message is older than this is queued again (a lost message, or an API
# whose embedded queue the worker cannot see).
REQUEUE_AFTER_SECONDS = 120.0


def limits_of(config: Config) -> Limits:
    return Limits(
        config.max_file_chars,
        config.knowledge_extract_seconds,
        config.knowledge_extract_memory_mb,
        config.knowledge_extract_seconds * 2 + 30,
    )


def embedder_of(config: Config) -> Embedder | None:
    """The worker's embeddings (None: full text only): the provider's timeout per call, and
    KNOWLEDGE_EMBED_RETRIES retries with backoff, as a worker can wait where a turn cannot."""
    provider = embeddings_provider(
        config, timeout=config.provider_timeout, max_retries=config.knowledge_embed_retries
    )
    return Embedder(provider, config.knowledge_embed_batch) if provider is not None else None


def make_huey(config: Config) -> Huey:
    if config.redis_url:
        return RedisHuey(QUEUE_NAME, url=config.redis_url, results=False)
    path = Path(config.knowledge_queue_path or ROOT / "instance" / "knowledge-queue.db")
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(QUEUE_NAME, filename=str(path), results=False)


@dataclass
class KnowledgeQueue:
    """The queue of one process and the jobs registered on it (the same names everywhere)."""

    config: Config
    huey: Huey = field(init=False)
    ingest: Any = field(init=False)
    recover: Any = field(init=False)
    _sessions: so.sessionmaker[so.Session] | None = field(default=None, init=False)
    _embedder: Embedder | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.huey = make_huey(self.config)
        self.ingest = self.huey.task(retries=2, retry_delay=5, name="ingest")(self._ingest)
        every_minute = crontab(minute="*")
        self.recover = self.huey.periodic_task(every_minute, name="recover")(self.requeue_stale)

    def sessions(self) -> so.sessionmaker[so.Session]:
        if self._sessions is None:
            # On SQLite with foreign keys on: a file's chunks go with it.
            engine = sync_engine(self.config.database_url)
            self._sessions = so.sessionmaker(engine, expire_on_commit=False)
        return self._sessions

    def embedder(self) -> Embedder | None:
        if self._embedder is None:
            self._embedder = embedder_of(self.config)
        return self._embedder

    def _ingest(self, file_id: int) -> str:
        return ingest_file(self.sessions(), file_id, limits_of(self.config), self.embedder())

    def requeue_stale(self) -> list[int]:
        """Queue again every file a dead worker left, or whose message was lost."""
        with self.sessions()() as session:
            ids = stale(session, REQUEUE_AFTER_SECONDS)
        for file_id in ids:
            self.ingest(file_id)
        return ids

    def reembed(self) -> tuple[str, list[int]]:
        """Queue every ready file whose vectors are not of the configured embedding model (see
        `outdated`): the space they will be embedded in, and their ids. ValueError when no
        embedding model is configured."""
        embedder = self.embedder()
        if embedder is None:
            raise ValueError("No embedding model is configured (OPENAI_EMBEDDING_MODEL, a key).")
        space = embedder.provider.space
        with self.sessions()() as session:
            ids = outdated(session, space)
            session.commit()
        for file_id in ids:
            self.ingest(file_id)
        return space, ids

    def drain(self) -> int:
        """Run every queued job here and now (tests and benchmarks): how many ran."""
        ran = 0
        while (task := self.huey.dequeue()) is not None:
            self.huey.execute(task)
            ran += 1
        return ran
