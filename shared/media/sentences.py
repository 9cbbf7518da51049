"""Sentences out of a reply that is still being written, so each can be spoken as soon as it ends.

A boundary is terminal punctuation followed by whitespace and a character that can start a
sentence, a paragraph break, or a new list item. It is not a boundary after an abbreviation
("Dr. Smith", "e.g. this"), an initial ("J. R. R. Tolkien"), a list number ("1. First"), or
inside a number ("3.14", "v2.0"). A fenced code block is kept whole (and is not spoken: see
`speakable`). A sentence that grows past `max_chars` without a boundary is cut at the last comma
or space so no synthesis call waits for an endless sentence.
"""

from __future__ import annotations

import re

# Abbreviations that never end a sentence, whatever follows ("Dr. Who", "e.g. Paris").
TITLES = frozenset(
    {"mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "e.g", "i.e", "cf", "approx"}
    | {"no", "nos", "fig", "figs", "vol", "ca", "mt", "ft", "dept", "est"}
)
# Abbreviations that end a sentence only when a capital letter follows ("etc. The").
TRAILING = frozenset(
    {"etc", "inc", "ltd", "co", "corp", "al", "jan", "feb", "mar", "apr", "jun", "jul", "aug"}
    | {"sep", "sept", "oct", "nov", "dec"}
)
TERMINALS = ".!?…"
CLOSERS = "\"')]*_\u00bb\u201d\u2019"  # quotes, brackets and emphasis that close a sentence
FENCE = "```"
LIST_ITEM = re.compile(r"\n[ \t]*(?:[-*+•]|\d{1,3}[.)])[ \t]")
DEFAULT_MAX_CHARS = 400


class SentenceSplitter:
    """Feed it text deltas; it returns the sentences completed so far, in order."""

    def __init__(self, max_chars: int = DEFAULT_MAX_CHARS) -> None:
        self._buffer = ""
        self._scan = 0  # where the search for the next boundary resumes
        self._max_chars = max_chars

    def feed(self, delta: str) -> list[str]:
        self._buffer += delta
        sentences: list[str] = []
        while (end := self._next_boundary()) is not None:
            sentence, self._buffer = self._buffer[:end].strip(), self._buffer[end:]
            self._scan = 0
            if sentence:
                sentences.append(sentence)
        return sentences

    def flush(self) -> list[str]:
        """What is left once the reply is complete."""
        rest, self._buffer, self._scan = self._buffer.strip(), "", 0
        return [rest] if rest else []

    def _next_boundary(self) -> int | None:
        text = self._buffer
        if text.lstrip().startswith(FENCE):
            return _fence_end(text)
        fence = text.find(FENCE, self._scan)
        limit = fence if fence > 0 else len(text)
        end, self._scan = _boundary(text, self._scan, limit)
        if end is None and fence > 0:
            end = fence  # the prose before a code block is a sentence of its own
        most = self._max_chars + len(text) - len(text.lstrip())  # leading space is dropped
        if end is None and len(text) <= most:
            return None
        if end is None or end > most:
            # Also when a whole text arrives at once: its first boundary may lie far past
            # the limit, and no sentence handed out may be longer than the limit.
            return _cut(text, most)
        return end


# Enough text after a newline to tell whether a list item starts there ("\n  123. x").
LIST_LOOKAHEAD = 8


def _boundary(text: str, start: int, limit: int) -> tuple[int | None, int]:
    """The end of the first certain sentence in text[start:limit], and where to resume looking."""
    for index in range(start, limit):
        char = text[index]
        if char == "\n":
            if text.startswith("\n\n", index) or LIST_ITEM.match(text, index):
                return index + 1, 0
            if len(text) - index < LIST_LOOKAHEAD:
                return None, index  # a list item may still start here
            continue
        if char not in TERMINALS:
            continue
        end = index + 1
        while end < len(text) and text[end] in CLOSERS:
            end += 1
        following = text[end : end + 2]
        if len(following) < 2:
            return None, index  # cannot decide yet: wait for more text
        if following[0].isspace() and _starts_sentence(following[1]) and _ends_here(text, index):
            return end, 0
    return None, max(start, limit - 1)


def _starts_sentence(char: str) -> bool:
    return char.isupper() or char.isdigit() or char in "\"'([*#-\n" or not char.isascii()


def _ends_here(text: str, index: int) -> bool:
    """Whether the punctuation at `index` ends a sentence (not an abbreviation or list number)."""
    if text[index] != ".":
        return True
    word = _word_before(text, index)
    if not word:
        return True
    lowered = word.lower()
    if lowered in TITLES or (len(word) == 1 and word.isalpha()):
        return False  # "Dr." or the initial in "J. Smith"
    if word.isdigit() and _at_line_start(text, index - len(word)):
        return False  # "1. First item"
    return lowered not in TRAILING or _capital_follows(text, index)


def _word_before(text: str, index: int) -> str:
    start = index
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "."):
        start -= 1
    return text[start:index].strip(".")


def _at_line_start(text: str, index: int) -> bool:
    return text[:index].rstrip(" \t").endswith("\n") or not text[:index].strip()


def _capital_follows(text: str, index: int) -> bool:
    rest = text[index + 1 :].lstrip()
    return bool(rest) and rest[0].isupper()


def _fence_end(text: str) -> int | None:
    opening = text.find(FENCE)
    closing = text.find(FENCE, opening + len(FENCE))
    if closing < 0:
        return None
    newline = text.find("\n", closing)
    return newline + 1 if newline >= 0 else (None if len(text) == closing + 3 else closing + 3)


def _cut(text: str, max_chars: int) -> int:
    window = text[:max_chars]
    for mark in (", ", "; ", " "):
        position = window.rfind(mark)
        if position > max_chars // 2:
            return position + len(mark)
    return max_chars


MARKUP = re.compile(r"(\*\*|__|[*_`#>|]|^\s*[-+•]\s+|^\s*\d{1,3}[.)]\s+)", re.MULTILINE)
LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
# A horizontal rule or a table's header separator ("---", "|:--|--:|"): nothing to say.
RULE = re.compile(r"^[ \t]*\|?[ \t]*:?-{3,}[-:| \t]*$", re.MULTILINE)


def speakable(sentence: str) -> str:
    """The words of a sentence as a listener should hear them: no code, no Markdown markup."""
    if sentence.lstrip().startswith(FENCE):
        return ""
    text = LINK.sub(r"\1", sentence)
    text = RULE.sub("", text)
    text = MARKUP.sub("", text)
    return " ".join(text.split())


def spoken_text(reply: str) -> str:
    """A whole reply as a listener should hear it: its sentences' words (see `speakable`), no
    code blocks; a heading or list item followed by more text gets a full stop when it has
    no closing punctuation, so it is heard as a phrase of its own. Empty when the reply is
    all code or markup."""
    sentences = split_sentences(reply, max_chars=len(reply) + 1)
    phrases = [words for words in map(speakable, sentences) if words]
    return " ".join([*map(_closed, phrases[:-1]), *phrases[-1:]])


def _closed(phrase: str) -> str:
    # A phrase ending in ":" keeps it: what follows belongs to it.
    return phrase if phrase[-1] in TERMINALS + CLOSERS + ":;," else f"{phrase}."


def split_sentences(text: str, max_chars: int = DEFAULT_MAX_CHARS) -> list[str]:
    """All the sentences of a finished text (the same rules as when it streams)."""
    splitter = SentenceSplitter(max_chars)
    return [*splitter.feed(text), *splitter.flush()]


def speech_parts(text: str, limit: int) -> list[str]:
    """`text` in parts of at most `limit` characters, one synthesis call each: whole sentences
    packed together; a longer sentence (or code block) is cut at a comma or a space, and a
    single word longer than `limit` hard at the limit."""
    parts: list[str] = []
    for sentence in split_sentences(text, max_chars=limit):
        for piece in _within(sentence, limit):
            if parts and len(parts[-1]) + 1 + len(piece) <= limit:
                parts[-1] = f"{parts[-1]} {piece}"
            else:
                parts.append(piece)
    return parts


def _within(sentence: str, limit: int) -> list[str]:
    pieces: list[str] = []
    while len(sentence) > limit:
        end = _cut(sentence, limit)
        pieces.append(sentence[:end].strip())
        sentence = sentence[end:].strip()
    return [piece for piece in [*pieces, sentence] if piece]
