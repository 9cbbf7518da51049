"""The conversation rules with no app: which history the model sees, and chat titles."""

from __future__ import annotations

from shared.chats.conversation import (
    DEFAULT_CHAT_TITLE,
    TITLE_CHARS,
    HistoryBudget,
    model_context,
    title_from,
)
from shared.core.models import Message, MessageBy


def message(by: MessageBy, content: str) -> Message:
    return Message(message_by=by, content=content)


def test_history_keeps_the_newest_messages_that_fit_oldest_first() -> None:
    newest_first = [
        message(MessageBy.USER, "third?"),  # 6 characters
        message(MessageBy.AI, "second"),  # 6
        message(MessageBy.USER, "a first message that does not fit"),
    ]
    context = model_context("Be brief.", newest_first, HistoryBudget(10, max_chars=12))

    assert context == [
        {"role": "system", "content": "Be brief."},
        {"role": "assistant", "content": "second"},
        {"role": "user", "content": "third?"},
    ]


def test_history_stops_at_the_first_message_over_budget() -> None:
    newest_first = [
        message(MessageBy.USER, "new"),
        message(MessageBy.AI, "x" * 50),  # over the budget: it and all older ones are left out
        message(MessageBy.USER, "old"),
    ]
    context = model_context("P", newest_first, HistoryBudget(10, max_chars=20))
    assert [part["content"] for part in context] == ["P", "new"]


def test_history_always_includes_the_message_to_answer() -> None:
    huge = message(MessageBy.USER, "y" * 500)
    context = model_context("P", [huge], HistoryBudget(10, max_chars=10))
    assert context[-1] == {"role": "user", "content": "y" * 500}


def test_history_caps_the_number_of_messages() -> None:
    newest_first = [message(MessageBy.USER, str(n)) for n in range(5)]
    context = model_context("P", newest_first, HistoryBudget(2, max_chars=1000))
    assert [part["content"] for part in context] == ["P", "1", "0"]


def test_title_is_the_message_with_whitespace_folded() -> None:
    assert title_from("  Plan a\n trip   to Rome ") == "Plan a trip to Rome"
    assert title_from(" \n ") == DEFAULT_CHAT_TITLE


def test_long_title_is_cut_at_a_word_with_an_ellipsis() -> None:
    title = title_from("word " * 40)
    assert len(title) <= TITLE_CHARS and title.endswith("word…")
    assert title_from("x" * TITLE_CHARS) == "x" * TITLE_CHARS
