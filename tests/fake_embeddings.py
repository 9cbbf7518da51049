"""The fake server's `/v1/embeddings`: deterministic vectors a test can reason about.

A text's vector is its bag of words hashed into `dimensions` signed buckets (256 unless the
request asks), unit length. Words in SYNONYMS count as the word they mean, so "automobile"
and "car" land together, as a real model would place them, while full text (which matches
words) tells them apart: the tests' stand-in for meaning. Usage is one token per word."""

from __future__ import annotations

import base64
import hashlib
import re
import struct
from typing import Any

DEFAULT_DIMENSIONS = 256
SYNONYMS = {
    "automobile": "car",
    "vehicle": "car",
    "motorcar": "car",
    "physician": "doctor",
    "medic": "doctor",
    "canine": "dog",
    "hound": "dog",
    "puppy": "dog",
    "purchase": "buy",
    "acquire": "buy",
    "reimbursement": "refund",
    "repayment": "refund",
}
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "is",
        "are",
        "was",
        "were",
        "be",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "and",
        "or",
        "how",
        "do",
        "does",
        "i",
        "my",
        "me",
        "can",
        "what",
        "where",
        "when",
        "which",
        "who",
        "it",
        "this",
        "that",
        "with",
        "as",
        "by",
        "from",
        "get",
    ]
)
_WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> list[str]:
    found = (SYNONYMS.get(word, word) for word in _WORD.findall(text.lower()))
    return [word for word in found if word not in STOPWORDS]


def fake_vector(text: str, dimensions: int = DEFAULT_DIMENSIONS) -> list[float]:
    vector = [0.0] * dimensions
    for word in words(text):
        digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
        bucket = int.from_bytes(digest[:4], "little") % dimensions
        vector[bucket] += 1.0 if digest[4] & 1 else -1.0
    norm = sum(value * value for value in vector) ** 0.5 or 1.0
    return [value / norm for value in vector]


def embeddings_answer(request: dict[str, Any]) -> dict[str, Any]:
    """The answer to an embeddings request, as the real API shapes it (floats or base64)."""
    inputs = request.get("input", [])
    inputs = [inputs] if isinstance(inputs, str) else list(inputs)
    dimensions = int(request.get("dimensions") or DEFAULT_DIMENSIONS)
    as_base64 = request.get("encoding_format") == "base64"
    data = []
    for index, text in enumerate(inputs):
        vector = fake_vector(str(text), dimensions)
        encoded: Any = vector
        if as_base64:
            encoded = base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
        data.append({"object": "embedding", "index": index, "embedding": encoded})
    tokens = sum(max(1, len(str(text).split())) for text in inputs)
    return {
        "object": "list",
        "data": data,
        "model": request.get("model", "fake-embedding"),
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }
