"""A file's chunks embedded in the worker: in batches (at most `batch` inputs and
MAX_BATCH_CHARS characters a call), each call retried by the SDK on 429, 5xx and timeouts and
recorded in the usage ledger (charged to the agent's owner). When the calls fail for good the
file keeps its chunks without vectors: it is still searched by full text, and its `error`
says so."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from shared.core.models import UsageEvent
from shared.knowledge.chunking import Chunk
from shared.knowledge.vectors import to_blob
from shared.providers.base import ProviderError
from shared.providers.openai_embeddings import OpenAIEmbeddings
from shared.usage.embeddings import embedding_event

log = logging.getLogger(__name__)
# Well under the API's 300,000 tokens a request, whatever the characters-per-token ratio.
MAX_BATCH_CHARS = 200_000
FULL_TEXT_ONLY = "Embeddings failed: {} This file is searched by full text only."


@dataclass(frozen=True)
class Embedder:
    """The worker's embeddings and how many chunks go in one call."""

    provider: OpenAIEmbeddings
    batch: int


@dataclass
class ChunkVectors:
    """The chunks' vectors as blobs (None: no embeddings), their space, a warning for the
    file, and one ledger row per call made."""

    blobs: list[bytes] | None = None
    space: str | None = None
    warning: str | None = None
    events: list[UsageEvent] = field(default_factory=list)


def embedding_input(chunk: Chunk) -> str:
    """What is embedded: the heading path gives a passage the context its text assumes."""
    return f"{chunk.heading}\n\n{chunk.text}" if chunk.heading else chunk.text


def batches(texts: Sequence[str], max_inputs: int, max_chars: int) -> Iterator[slice]:
    """Consecutive slices of `texts`, each within `max_inputs` items and `max_chars` (one
    longer text goes alone)."""
    start, chars = 0, 0
    for end, text in enumerate(texts):
        if end > start and (end - start >= max_inputs or chars + len(text) > max_chars):
            yield slice(start, end)
            start, chars = end, 0
        chars += len(text)
    if start < len(texts):
        yield slice(start, len(texts))


def embed_chunks(
    embedder: Embedder,
    chunks: Sequence[Chunk],
    owner_id: int | None,
    progress: Callable[[], None] = lambda: None,
) -> ChunkVectors:
    """Every chunk's vector, batch by batch (`progress` runs after each: the lease's renewal)."""
    texts = [embedding_input(chunk) for chunk in chunks]
    blobs: list[bytes] = []
    events: list[UsageEvent] = []
    provider = embedder.provider
    for part in batches(texts, embedder.batch, MAX_BATCH_CHARS):
        try:
            answer = provider.embed(texts[part])
        except ProviderError as exc:
            log.warning("embedding failed for good: %s", exc.message)
            return ChunkVectors(warning=FULL_TEXT_ONLY.format(exc.message), events=events)
        model = answer.model or provider.model
        characters = sum(map(len, texts[part]))
        events.append(embedding_event(model, answer.tokens, characters, user_id=owner_id))
        blobs.extend(to_blob(vector) for vector in answer.vectors)
        progress()
    return ChunkVectors(blobs, provider.space, None, events)
