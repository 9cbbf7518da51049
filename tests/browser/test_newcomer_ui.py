"""What a newcomer hit (issue 32) in a real browser: plain chat titles, imported chats marked,
admin usage units, the status pill's provider, a quiet logout, the agent dialog's Save button."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def send(page: Page, text: str) -> None:
    page.get_by_label("Message", exact=True).fill(text)
    page.get_by_label("Message", exact=True).press("Enter")


def test_a_chat_titled_by_a_markdown_message_shows_plain_text(page: Page) -> None:
    send(
        page, "Here is **code** and a table:\n```python\ndef add(a, b):\n```\n| a | b |\n|---|---|"
    )

    expect(page.locator(".message-ai")).to_have_count(1)
    title = page.locator("#chat-list .chat-name")
    expect(title).to_have_text(["Here is code and a table: def add(a, b): a b"])
    expect(page.locator("#chat-title")).to_have_text("Here is code and a table: def add(a, b): a b")
