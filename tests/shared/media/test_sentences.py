"""Where a reply being written is cut into sentences for speech."""

from __future__ import annotations

import pytest

from shared.media.sentences import SentenceSplitter, speakable, split_sentences


def streamed(text: str, step: int = 1) -> list[str]:
    splitter = SentenceSplitter()
    sentences: list[str] = []
    for start in range(0, len(text), step):
        sentences += splitter.feed(text[start : start + step])
    return sentences + splitter.flush()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello there. How are you? Fine!", ["Hello there.", "How are you?", "Fine!"]),
        (
            "Dr. Smith met J. R. R. Tolkien at 3 p.m. on Friday. They talked.",
            ["Dr. Smith met J. R. R. Tolkien at 3 p.m. on Friday.", "They talked."],
        ),
        (
            "Try e.g. Paris. Pi is 3.14 and v2.0 is out. Done.",
            ["Try e.g. Paris.", "Pi is 3.14 and v2.0 is out.", "Done."],
        ),
        ("Apples, pears, etc. The end.", ["Apples, pears, etc.", "The end."]),
        ("Fruit etc. are good.", ["Fruit etc. are good."]),
        ('He said "Stop." Then he left.', ['He said "Stop."', "Then he left."]),
        ("It costs 42. Next one.", ["It costs 42.", "Next one."]),
        ("Wait... What?! Really.", ["Wait...", "What?!", "Really."]),
    ],
)
def test_split_sentences_at_real_boundaries(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_split_list_items_into_sentences() -> None:
    text = "Steps:\n1. Open the app.\n2. Click it.\n- A bullet\n- Another"
    assert split_sentences(text) == [
        "Steps:",
        "1. Open the app.",
        "2. Click it.",
        "- A bullet",
        "- Another",
    ]


def test_split_keeps_code_blocks_whole() -> None:
    text = "Here:\n```python\nx = 1. Then\nprint(x)\n```\nThat was it. Bye."
    assert split_sentences(text) == [
        "Here:",
        "```python\nx = 1. Then\nprint(x)\n```",
        "That was it.",
        "Bye.",
    ]


def test_split_paragraphs_without_punctuation() -> None:
    assert split_sentences("A heading\n\nSome text") == ["A heading", "Some text"]


def test_split_cuts_an_endless_sentence_at_a_comma() -> None:
    text = ", ".join(f"item {n}" for n in range(100))
    sentences = split_sentences(text, max_chars=120)
    assert all(len(sentence) <= 120 for sentence in sentences)
    assert " ".join(sentences).split() == text.split()  # nothing lost at the cuts
    assert len(sentences) > 5


@pytest.mark.parametrize("step", [1, 2, 5, 1000])
def test_streamed_split_matches_the_whole_text(step: int) -> None:
    text = (
        "Dr. No arrived at 10 a.m. It rained. Steps:\n1. Wait.\n2. Go.\n"
        "```\ncode. Here\n```\nAfter the code, etc. The end!"
    )
    assert streamed(text, step) == split_sentences(text)


def test_a_sentence_is_released_as_soon_as_the_next_one_starts() -> None:
    splitter = SentenceSplitter()
    assert splitter.feed("The first sentence.") == []
    assert splitter.feed(" T") == ["The first sentence."]
    assert splitter.feed("he second") == []
    assert splitter.flush() == ["The second"]


def test_speakable_drops_code_and_markup() -> None:
    assert speakable("```python\nprint(1)\n```") == ""
    assert speakable("**Bold** and `code` with [a link](https://example.com).") == (
        "Bold and code with a link."
    )
    assert speakable("1. First item") == "First item"
