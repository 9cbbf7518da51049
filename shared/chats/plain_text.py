"""Markdown as plain text, for places that show a line of words (a chat's title).

Markup goes, the words stay: code fences and their language, table pipes and rules, headings,
quotes, list markers, emphasis, inline code ticks, links and images (their text stays) and
backslash escapes. HTML tags stay: what people type is shown as text, and "<b>" in a message is
usually about HTML. Code inside a fence stays as words. Not a Markdown parser: good
enough for one line, and never worse than the text it was given.
"""

from __future__ import annotations

import re

# Each (pattern, replacement) in order; line rules first, then inline markup.
LINE_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^[ \t]*(```|~~~)[^\n`]*$", re.MULTILINE), ""),  # a fence line and its language
    (re.compile(r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$", re.M), ""),
    (re.compile(r"^[ \t]*([-*_][ \t]*){3,}$", re.MULTILINE), ""),  # a horizontal rule
    (re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+|[ \t]+#+[ \t]*$", re.MULTILINE), ""),  # heading marks
    (re.compile(r"^[ \t]*(>[ \t]?)+", re.MULTILINE), ""),  # quotes
    (re.compile(r"^[ \t]*([-*+•]|\d{1,9}[.)])[ \t]+(\[[ xX]\][ \t]+)?", re.MULTILINE), ""),
    (re.compile(r"[ \t]*\|[ \t]*"), " "),  # table cells (a lone pipe in prose is lost too)
)
INLINE_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"```[\w+-]*"), " "),  # a fence in the middle of a line
    (re.compile(r"!?\[([^\]\n]*)\]\([^)\n]*\)"), r"\1"),  # [text](url), ![alt](src)
    (re.compile(r"!?\[([^\]\n]+)\]\[[^\]\n]*\]"), r"\1"),  # [text][ref]
    (re.compile(r"<((?:https?|mailto):[^>\s]+)>"), r"\1"),  # <https://autolink>
    (re.compile(r"(`+)(.+?)\1"), r"\2"),  # inline code: its text stays
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),  # strong
    (re.compile(r"~~(?=\S)(.+?)(?<=\S)~~"), r"\1"),  # strikethrough
    (re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])"), r"\1"),  # *emphasis*
    (re.compile(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])"), r"\1"),  # _emphasis_, not snake_case
)
# A backslash-escaped character is literal: it is hidden from the rules above (as a private-use
# character) and comes back as itself, without its backslash.
ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")
HIDDEN = 0xF0000


def plain_text(markdown: str) -> str:
    """The words of `markdown` on one line, markup removed and whitespace folded."""
    text = ESCAPE.sub(lambda match: chr(HIDDEN + ord(match[1])), markdown.replace("\r\n", "\n"))
    for pattern, replacement in (*LINE_RULES, *INLINE_RULES):
        text = pattern.sub(replacement, text)
    text = "".join(chr(ord(c) - HIDDEN) if HIDDEN <= ord(c) < HIDDEN + 128 else c for c in text)
    return " ".join(text.split())
