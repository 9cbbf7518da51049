"""Embeddings from OpenAI or any OpenAI-compatible server (OPENAI_BASE_URL), through the
official `openai` SDK's `embeddings.create`: its retries (with backoff, honouring
`retry-after`) on 429, 5xx, timeouts and lost connections are the retries we want."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import openai
from openai.types import CreateEmbeddingResponse

from shared.core.config import Config
from shared.providers.base import ProviderError
from shared.providers.openai_chat import translate_error


@dataclass(frozen=True)
class Embedded:
    """Vectors of the inputs, in order (float32, one row each, unit length), the input tokens
    the provider reported (None: not reported) and the model that made them."""

    vectors: np.ndarray[Any, np.dtype[np.float32]]
    tokens: int | None
    model: str


class OpenAIEmbeddings:
    """`embed` (sync: the worker, the API's turns) and `aembed` (the voice service's turns)."""

    name = "openai"

    def __init__(self, config: Config, *, timeout: float, max_retries: int) -> None:
        self.model = config.openai_embedding_model
        self.dimensions = config.openai_embedding_dimensions
        options: dict[str, Any] = {
            "api_key": config.openai_api_key,
            "base_url": config.openai_base_url or None,
            "timeout": openai.Timeout(timeout, connect=min(5.0, timeout)),
            "max_retries": max_retries,
        }
        self._sync = openai.OpenAI(**options)
        self._async_options = options
        self._async: openai.AsyncOpenAI | None = None

    @property
    def space(self) -> str:
        """Names the vector space: vectors of another model or size are never compared."""
        return f"{self.model}@{self.dimensions}" if self.dimensions else self.model

    def _request(self, texts: list[str]) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.model, "input": texts}
        if self.dimensions:
            body["dimensions"] = self.dimensions
        return body

    def embed(self, texts: list[str]) -> Embedded:
        try:
            answer = self._sync.embeddings.create(**self._request(texts))
        except openai.OpenAIError as exc:
            raise translate_error(exc, "embed") from exc
        return embedded(answer, len(texts))

    async def aembed(self, texts: list[str]) -> Embedded:
        if self._async is None:  # made inside the event loop that uses it
            self._async = openai.AsyncOpenAI(**self._async_options)
        try:
            answer = await self._async.embeddings.create(**self._request(texts))
        except openai.OpenAIError as exc:
            raise translate_error(exc, "embed") from exc
        return embedded(answer, len(texts))


def embedded(answer: CreateEmbeddingResponse, count: int) -> Embedded:
    """The answer's vectors in input order, normalized (cosine becomes a dot product)."""
    rows = sorted(answer.data, key=lambda item: item.index)
    if len(rows) != count:
        raise ProviderError("The embedding answer lacks vectors.", stage="embed")
    vectors = np.asarray([row.embedding for row in rows], dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors /= np.where(norms == 0, 1.0, norms)
    tokens = answer.usage.prompt_tokens if answer.usage is not None else None
    return Embedded(vectors, tokens, answer.model or "")


def embeddings_provider(
    config: Config, *, timeout: float, max_retries: int
) -> OpenAIEmbeddings | None:
    """The configured embeddings, or None: no model, or no key (offline: full text only)."""
    if not config.openai_embedding_model.strip() or not config.openai_api_key:
        return None
    return OpenAIEmbeddings(config, timeout=timeout, max_retries=max_retries)
