"""Search snippets: plain text around the first hit, with the matched words' ranges."""

from __future__ import annotations

from shared.chats.search import search_terms
from shared.chats.snippets import snippet


def marked(text: str, query: str) -> list[str]:
    found = snippet(text, search_terms(query))
    return [found["text"][start:end] for start, end in found["highlights"]]


def test_snippet_marks_word_starts_ignoring_case_and_accents() -> None:
    assert marked("Crème brûlée at the CAFÉ, café au lait", "creme cafe") == [
        "Crème",
        "CAFÉ",
        "café",
    ]
    assert marked("Straße and STRASSE", "strasse") == ["Straße", "STRASSE"]
    assert marked("recipes, prerecipe", "recip") == ["recip"]


def test_snippet_offsets_are_code_points_past_emoji() -> None:
    found = snippet("🍳🍳 eggs and 🥓 bacon", ["bacon"])
    assert found["highlights"] == [[14, 19]]
    assert found["text"][14:19] == "bacon"


def test_snippet_of_a_long_text_is_short_and_centred_on_the_hit() -> None:
    text = "word " * 200 + "needle " + "word " * 200
    found = snippet(text, ["needle"])
    assert len(found["text"]) <= 162
    assert found["text"].startswith("…") and found["text"].endswith("…")
    ((start, end),) = found["highlights"]
    assert found["text"][start:end] == "needle"


def test_snippet_without_a_hit_is_the_start_of_the_text() -> None:
    found = snippet("<b>bold</b>\n\n  text", ["zebra"])
    assert found == {"text": "<b>bold</b> text", "highlights": []}


def test_search_terms_are_words_only() -> None:
    assert search_terms('  "a:* | b" NEAR(x_y) café ') == ["a", "b", "NEAR", "x", "y", "café"]
    assert search_terms("?! ...") == []
    assert len(search_terms("w " * 50)) == 8
