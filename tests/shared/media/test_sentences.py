"""Where a reply being written is cut into sentences for speech."""

from __future__ import annotations

import pytest

from shared.media.sentences import (
    SentenceSplitter,
    speakable,
    speech_parts,
    split_sentences,
    spoken_text,
)


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


REPLY = """# Setting up

Install it with **pip**, then read [the guide](https://example.com/guide).

```python
import chatbot
chatbot.run()
```

- First, `configure` it
- Then run it

| Name | Port |
|------|-----:|
| api  | 5000 |

---
That is all!"""


def test_spoken_text_is_only_the_words() -> None:
    assert spoken_text(REPLY) == (
        "Setting up. Install it with pip, then read the guide. First, configure it. "
        "Then run it. Name Port api 5000. That is all!"
    )


@pytest.mark.parametrize("reply", ["```\nprint(1)\n```", "```sh\nls\n```\n\n---\n", "**", ""])
def test_spoken_text_of_code_alone_is_empty(reply: str) -> None:
    assert spoken_text(reply) == ""


def test_split_cuts_a_long_sentence_given_whole() -> None:
    # The boundary after the long sentence lies past the limit: it is cut all the same.
    text = "word " * 60 + "end. Next one."
    sentences = split_sentences(text, max_chars=50)
    assert all(len(sentence) <= 50 for sentence in sentences)
    assert " ".join(sentences).split() == text.split()


def test_speech_parts_pack_whole_sentences() -> None:
    assert speech_parts("One. Two three. Four.", 10) == ["One.", "Two three.", "Four."]
    assert speech_parts("One. Two. Three.", 9) == ["One. Two.", "Three."]
    assert speech_parts("  Short text.  ", 4096) == ["Short text."]
    assert speech_parts("   ", 10) == []


@pytest.mark.parametrize("limit", [1, 3, 7, 10, 33, 120, 4096])
def test_speech_parts_never_exceed_the_limit(limit: int) -> None:
    text = (
        "Pneumonoultramicroscopicsilicovolcanoconiosis is a word. " * 3
        + "A sentence, with commas, that goes on and on without ending "
        + "x" * 150
        + "\n\n```\n"
        + "code " * 40
        + "\n```\nDr. Smith left at 10 a.m. The end!"
    )
    parts = speech_parts(text, limit)
    assert parts and all(0 < len(part) <= limit for part in parts)
    assert "".join("".join(parts).split()) == "".join(text.split())  # nothing lost or added
