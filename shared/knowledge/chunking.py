"""Chunks that follow headings and paragraphs: a heading always starts a new chunk, paragraphs
join until a chunk is about `target` characters, and a paragraph longer than `limit` is cut
at sentence ends. Each chunk keeps its place (position, heading path, page) for citations."""

from __future__ import annotations

import re
from dataclasses import dataclass

from shared.knowledge.extract import Block

TARGET_CHARS = 900
LIMIT_CHARS = 1400
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Chunk:
    position: int
    heading: str
    page: int | None
    text: str


def chunk_blocks(
    blocks: list[Block], target: int = TARGET_CHARS, limit: int = LIMIT_CHARS
) -> list[Chunk]:
    chunks: list[Chunk] = []
    path: list[tuple[int, str]] = []  # the headings above, with their levels
    parts: list[str] = []
    page: int | None = None

    def flush() -> None:
        nonlocal page
        if parts:
            heading = " > ".join(text for _, text in path)[:300]
            chunks.append(Chunk(len(chunks), heading, page, "\n\n".join(parts)))
            parts.clear()
        page = None

    for block in blocks:
        if block.level:
            flush()
            while path and path[-1][0] >= block.level:
                path.pop()
            path.append((block.level, block.text[:120]))
            continue
        for piece in pieces(block.text, limit):
            if parts and sum(map(len, parts)) + len(piece) > target:
                flush()
            if page is None:
                page = block.page
            parts.append(piece)
    flush()
    return chunks


def pieces(text: str, limit: int) -> list[str]:
    """`text` cut at sentence ends (or, for a run-on, at spaces) into parts of at most `limit`."""
    if len(text) <= limit:
        return [text]
    out: list[str] = []
    current = ""
    for sentence in _SENTENCE_END.split(text):
        while len(sentence) > limit:  # no sentence end: cut at the last space before the limit
            cut = sentence.rfind(" ", 0, limit)
            cut = cut if cut > 0 else limit
            if current:
                out.append(current)
                current = ""
            out.append(sentence[:cut])
            sentence = sentence[cut:].lstrip()
        if current and len(current) + 1 + len(sentence) > limit:
            out.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}" if current else sentence
    if current:
        out.append(current)
    return out
