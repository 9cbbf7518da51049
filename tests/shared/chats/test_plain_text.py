"""Chat titles are plain text: Markdown in a first message leaves its words, not its markup."""

from __future__ import annotations

import pytest

from shared.chats.conversation import DEFAULT_CHAT_TITLE, TITLE_CHARS, title_from
from shared.chats.plain_text import plain_text


@pytest.mark.parametrize(
    ("markdown", "plain"),
    [
        (
            "Here is code and a table:\n```python\ndef add(a, b):\n    return a + b\n```\n"
            "| a | b |\n|---|:-:|\n| 1 | 2 |",
            "Here is code and a table: def add(a, b): return a + b a b 1 2",
        ),
        (
            "Here is code: ```python def add(a, b): return a+b```",
            "Here is code: def add(a, b): return a+b",
        ),
        ("~~~\nfenced with tildes\n~~~", "fenced with tildes"),
        ("# Heading\n## Sub heading ##", "Heading Sub heading"),
        ("**bold**, __strong__, *it* and _em_", "bold, strong, it and em"),
        ("snake_case_name and 2*3*4 stay", "snake_case_name and 2*3*4 stay"),
        ("~~gone~~ `inline code` and ``a ` tick``", "gone inline code and a ` tick"),
        (
            "See [the docs](https://x.y/z), ![a cat](cat.png) and [ref][1]",
            "See the docs, a cat and ref",
        ),
        ("<https://example.org> and <b>tags</b>", "https://example.org and <b>tags</b>"),
        (
            "> quoted\n> > twice\n- item one\n* [x] done\n3) third",
            "quoted twice item one done third",
        ),
        (r"\*not emphasis\* and \_this\_ and C:\\path", "*not emphasis* and _this_ and C:\\path"),
        ("a < b > c, 5 # items", "a < b > c, 5 # items"),
        ("text\n\n---\n\nmore", "text more"),
        ("**unclosed bold and *half", "**unclosed bold and *half"),
        ("Plain words stay the same.", "Plain words stay the same."),
        ("line one\r\nline two", "line one line two"),
    ],
)
def test_markdown_becomes_its_words(markdown: str, plain: str) -> None:
    assert plain_text(markdown) == plain


def test_title_is_plain_text_cut_at_a_word() -> None:
    title = title_from("Here is code and a table: ```python\ndef add(a, b):\n    return a + b\n```")
    assert "`" not in title and title.startswith("Here is code and a table: def add")
    assert len(title) <= TITLE_CHARS


def test_title_of_only_markup_keeps_its_characters() -> None:
    assert title_from("---") == "---"
    assert title_from("```\n```") == "``` ```"
    assert title_from("  ") == DEFAULT_CHAT_TITLE
