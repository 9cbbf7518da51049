"""Extraction and chunking: formats from the content, headings kept, bounds that hold."""

from __future__ import annotations

import pytest

from shared.knowledge.bounded import extract_bounded
from shared.knowledge.chunking import chunk_blocks
from shared.knowledge.extract import Block, extract
from shared.knowledge.formats import Kind, Refused, sniff
from tests.knowledge_files import docx_file, pdf_file


def test_markdown_headings_become_the_chunks_headings() -> None:
    text = (
        "# Guide\n\nIntro.\n\n## Setup\n\nStep one.\n\n## Use\n\nPress go.\n\n### Tips\n\nBe calm."
    )
    chunks = chunk_blocks(extract(text.encode(), sniff(text.encode()), 10_000))
    assert [(c.position, c.heading, c.text) for c in chunks] == [
        (0, "Guide", "Intro."),
        (1, "Guide > Setup", "Step one."),
        (2, "Guide > Use", "Press go."),
        (3, "Guide > Use > Tips", "Be calm."),
    ]


def test_long_paragraphs_are_cut_at_sentences_and_chunks_stay_bounded() -> None:
    sentence = "The quick brown fox jumps over the lazy dog. "
    blocks = [Block(sentence * 100), Block("Short one.")]
    chunks = chunk_blocks(blocks)
    assert all(len(c.text) <= 1400 for c in chunks)
    assert chunks[-1].text.endswith("Short one.")
    assert "".join(c.text for c in chunks).count("fox") == 100


def test_pdf_pages_and_docx_headings() -> None:
    pdf = extract(pdf_file(["First page.", "Second page."]), Kind.PDF, 10_000)
    assert [(b.text, b.page) for b in pdf] == [("First page.", 1), ("Second page.", 2)]
    docx = extract(docx_file([("Heading A", ["Para."])]), Kind.DOCX, 10_000)
    assert [(b.text, b.level) for b in docx] == [("Heading A", 1), ("Para.", 0)]


def test_too_much_text_is_refused() -> None:
    with pytest.raises(Refused) as refused:
        extract(b"word " * 1000, Kind.TEXT, 100)
    assert refused.value.reason == "unreadable_file"


def test_the_child_process_is_bounded_in_time_and_memory() -> None:
    data = pdf_file(["Some text."] * 3)
    assert extract_bounded(data, Kind.PDF, 10_000, 30, 1024)[0].text == "Some text."
    with pytest.raises(Refused, match="longer than"):
        extract_bounded(data, Kind.PDF, 10_000, 0.01, 1024)
    with pytest.raises(Refused, match="memory"):
        extract_bounded(data, Kind.PDF, 10_000, 30, 16)  # not even the interpreter fits
