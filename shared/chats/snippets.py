"""Search snippets: a short plain-text excerpt of a message with the matched words' ranges.

Ranges are `[start, end)` offsets in Unicode characters (code points) of the snippet text, so a
client can mark them without ever rendering HTML. Matching mirrors the search indexes: a term
matches at the start of a word, ignoring case and accents.
"""

from __future__ import annotations

import unicodedata
from typing import TypedDict

SNIPPET_CHARS = 160
LEAD_CHARS = 40
ELLIPSIS = "…"


class Snippet(TypedDict):
    text: str
    highlights: list[list[int]]


def fold(text: str) -> tuple[str, list[int]]:
    """`text` lower-cased without accents, and for each folded character its index in `text`."""
    folded: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        base = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        )
        for piece in base.casefold():
            folded.append(piece)
            origin.append(index)
    return "".join(folded), origin


def word_hits(text: str, terms: list[str]) -> list[tuple[int, int]]:
    """Sorted, non-overlapping (start, end) ranges in `text` where a term starts a word."""
    folded, origin = fold(text)
    hits: list[tuple[int, int]] = []
    for term in terms:
        needle = fold(term)[0]
        start = folded.find(needle)
        while needle and start != -1:
            if start == 0 or not folded[start - 1].isalnum():
                end = start + len(needle) - 1
                hits.append((origin[start], origin[end] + 1))
            start = folded.find(needle, start + 1)
    merged: list[tuple[int, int]] = []
    for start, end in sorted(hits):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def snippet(text: str, terms: list[str]) -> Snippet:
    """About SNIPPET_CHARS of `text` around its first hit, whitespace collapsed, hits marked."""
    flat = " ".join(text.split())
    hits = word_hits(flat, terms)
    first = hits[0][0] if hits else 0
    start = max(0, first - LEAD_CHARS)
    if start:
        space = flat.rfind(" ", 0, start + 1)
        start = space + 1 if space != -1 and first - space <= LEAD_CHARS * 2 else start
    end = min(len(flat), start + SNIPPET_CHARS)
    prefix = ELLIPSIS if start else ""
    suffix = ELLIPSIS if end < len(flat) else ""
    shift = len(prefix) - start
    highlights = [
        [hit_start + shift, min(hit_end, end) + shift]
        for hit_start, hit_end in hits
        if hit_start >= start and hit_start < end
    ]
    return {"text": prefix + flat[start:end] + suffix, "highlights": highlights}
