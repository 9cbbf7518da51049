"""A turn's dense ranking: its question embedded (one call, within KNOWLEDGE_QUERY_TIMEOUT and
without retries, recorded in the ledger and charged to who asked; a question asked again is
embedded once per process), then the agent's nearest chunks (vectors.py). Any failure is
logged and the turn goes on with full text alone: embeddings never fail a turn.

Each service installs its search beside its database engine (`install`), so two apps in one
process (tests) never share one. Turns run in a synchronous session: the API's, or the voice
service's inside `AsyncSession.run_sync`, where the call must not block the event loop. There it
is awaited through the driver connection's `run_async` (SQLAlchemy's documented way to await
from synchronous code run by its asyncio extension).

The call should not run inside the turn's first transaction, which holds the chat's lock (on
SQLite the database's write lock, and the worker's budget lock when budgets are limited). So
the services `prefetch` a question before the turn starts, when its chat is known here to have
searched vectors before (no query of its own): the vector waits in the cache, and its ledger
row is written by the turn that uses it. Only a chat's first knowledge turn in a process embeds
inside the lock."""

from __future__ import annotations

import logging
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy import orm as so
from sqlalchemy.engine import AdaptedConnection

from shared.core.config import Config
from shared.core.models import UsageEvent
from shared.knowledge.vectors import Matrix, VectorIndex
from shared.providers.base import ProviderError
from shared.providers.openai_embeddings import Embedded, OpenAIEmbeddings, embeddings_provider
from shared.usage.embeddings import embedding_event

log = logging.getLogger(__name__)
REMEMBERED_QUESTIONS = 256
REMEMBERED_CHATS = 4096


@dataclass(frozen=True)
class Payer:
    """Who a question's embedding is charged to: the caller of the turn."""

    user_id: int | None
    guest_id: str | None = None


@dataclass
class DenseSearch:
    provider: OpenAIEmbeddings
    index: VectorIndex
    _questions: OrderedDict[str, Matrix] = field(default_factory=OrderedDict)
    # Questions embedded before their turn (prefetch): the turn that uses one writes its row.
    _unbilled: dict[str, Embedded] = field(default_factory=dict)
    # Chats whose turns searched vectors here: their next questions are prefetched.
    _chats: OrderedDict[int, None] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def question_vector(self, session: so.Session, question: str, payer: Payer) -> Matrix:
        with self._lock:
            known = self._questions.get(question)
            unbilled = self._unbilled.pop(question, None)
        if known is not None:
            if unbilled is not None:
                session.add(self._charge(unbilled, question, payer))
            return known
        answer = self._embed(session, question)
        session.add(self._charge(answer, question, payer))
        self._keep(question, answer, billed=True)
        return answer.vectors[0]

    def _charge(self, answer: Embedded, question: str, payer: Payer) -> UsageEvent:
        model = answer.model or self.provider.model
        return embedding_event(
            model, answer.tokens, len(question), user_id=payer.user_id, guest_id=payer.guest_id
        )

    def _keep(self, question: str, answer: Embedded, billed: bool) -> None:
        with self._lock:
            self._questions[question] = answer.vectors[0]
            if not billed:
                self._unbilled[question] = answer
            while len(self._questions) > REMEMBERED_QUESTIONS:
                dropped, _ = self._questions.popitem(last=False)
                self._unbilled.pop(dropped, None)

    def remember_chat(self, chat_id: int) -> None:
        with self._lock:
            self._chats[chat_id] = None
            self._chats.move_to_end(chat_id)
            while len(self._chats) > REMEMBERED_CHATS:
                self._chats.popitem(last=False)

    def wants_prefetch(self, chat_id: int, question: str) -> bool:
        with self._lock:
            return chat_id in self._chats and question not in self._questions

    def prefetched(self, question: str, answer: Embedded) -> None:
        self._keep(question, answer, billed=False)

    def _embed(self, session: so.Session, question: str) -> Embedded:
        raw = session.connection().connection.dbapi_connection
        if isinstance(raw, AdaptedConnection):  # run by the asyncio extension: await it
            return raw.run_async(lambda _driver: self.provider.aembed([question]))
        return self.provider.embed([question])

    def ranking(
        self, session: so.Session, agent_id: int, question: str, payer: Payer, k: int
    ) -> list[int]:
        """The agent's `k` chunks nearest the question, nearest first ([] on any failure)."""
        try:
            vector = self.question_vector(session, question, payer)
        except ProviderError as exc:
            log.warning("question embedding failed, full text only: %s", exc.message)
            return []
        except (ValueError, TypeError):  # an answer the SDK could not read
            log.exception("question embedding unreadable, full text only")
            return []
        found = self.index.search(session.connection(), agent_id, vector, k)
        return [chunk_id for chunk_id, _ in found]


_searches: weakref.WeakKeyDictionary[sa.Engine, DenseSearch] = weakref.WeakKeyDictionary()


def install(engine: sa.Engine, config: Config) -> None:
    """Dense search for the turns on `engine` (none without a model or a key)."""
    provider = embeddings_provider(config, timeout=config.knowledge_query_timeout, max_retries=0)
    if provider is None:
        _searches.pop(engine, None)
        return
    index = VectorIndex(provider.space, config.knowledge_vectors_mb * 1024 * 1024)
    _searches[engine] = DenseSearch(provider, index)


def remember_chat(session: so.Session, chat_id: int) -> None:
    """Chat `chat_id` searched the agent's vectors: prefetch its next questions."""
    search = _searches.get(session.get_bind())  # type: ignore[arg-type]
    if search is not None:
        search.remember_chat(chat_id)


def _failed(exc: Exception) -> None:
    log.warning("question prefetch failed (the turn embeds it itself): %s", exc)


def _prefetching(engine: sa.Engine, chat_id: int, question: str) -> DenseSearch | None:
    """The engine's dense search when `question` of chat `chat_id` should be embedded now."""
    search = _searches.get(engine)
    if search is None or not question.strip() or not search.wants_prefetch(chat_id, question):
        return None
    return search


def prefetch(engine: sa.Engine, chat_id: int, question: str) -> None:
    """Embed `question` before its turn locks chat `chat_id`, when that chat searched vectors
    in this process before; any failure is left to the turn (which falls back to full text)."""
    if (search := _prefetching(engine, chat_id, question)) is None:
        return
    try:
        search.prefetched(question, search.provider.embed([question]))
    except (ProviderError, ValueError, TypeError) as exc:
        _failed(exc)


async def aprefetch(engine: sa.Engine, chat_id: int, question: str) -> None:
    """`prefetch` for the voice service (`engine`: its async engine's `sync_engine`)."""
    if (search := _prefetching(engine, chat_id, question)) is None:
        return
    try:
        search.prefetched(question, await search.provider.aembed([question]))
    except (ProviderError, ValueError, TypeError) as exc:
        _failed(exc)


def dense_ranking(
    session: so.Session, agent_id: int, question: str, payer: Payer, k: int
) -> list[int]:
    """Chunk ids by embedding similarity, or [] when dense search is off or failed."""
    search = _searches.get(session.get_bind())  # type: ignore[arg-type]
    if search is None or not question.strip():
        return []
    return search.ranking(session, agent_id, question, payer, k)
