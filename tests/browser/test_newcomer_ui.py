"""What a newcomer hit (issue 32) in a real browser: plain chat titles, imported chats marked,
admin usage units, the status pill's provider, a quiet logout, the agent dialog's Save button."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_accounts_ui import sign_up
from tests.fake_openai import FakeOpenAIServer

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


def test_the_agent_dialog_save_button_is_in_sight_in_a_1280_by_860_window(page: Page) -> None:
    page.set_viewport_size({"width": 1280, "height": 860})
    sign_up(page, "maker")
    page.get_by_role("button", name="New agent").click()
    dialog = page.locator("#agent-dialog")
    expect(dialog).to_be_visible()
    save = dialog.get_by_role("button", name="Save")
    box, frame = save.bounding_box(), dialog.bounding_box()
    assert box and frame
    # Wholly inside the dialog's visible frame and the window, without scrolling anything.
    assert frame["y"] >= 0 and frame["y"] + frame["height"] <= 860
    assert box["y"] >= frame["y"] and box["y"] + box["height"] <= frame["y"] + frame["height"]
    centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert page.evaluate("([x, y]) => document.elementFromPoint(x, y).id", list(centre)) == (
        "agent-submit"
    )
    # The fields scroll under it; Save stays in sight at the end of the form too.
    dialog.get_by_label("Public (everyone can chat with it)").scroll_into_view_if_needed()
    box = save.bounding_box()
    assert box and box["y"] + box["height"] <= frame["y"] + frame["height"]
    dialog.get_by_role("button", name="Cancel").click()


def test_logging_out_logs_no_error_in_the_console(page: Page) -> None:
    sign_up(page, "leaver")
    send(page, "Hello before I go")
    expect(page.locator(".message-ai")).to_have_count(1)
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    failed: list[int] = []
    page.on(
        "response",
        lambda response: failed.append(response.status) if response.status >= 400 else None,
    )

    page.get_by_role("button", name="Log out").click()

    expect(page.locator("#account-name")).to_have_text("Guest")
    expect(page.locator("#toast")).to_contain_text("Logged out")
    page.wait_for_load_state("networkidle")
    assert errors == [] and failed == []


def test_the_status_pill_names_the_openai_compatible_server(
    page: Page, fake_openai: FakeOpenAIServer
) -> None:
    # The services talk to the fake upstream through OPENAI_BASE_URL: another server than OpenAI.
    server = urlsplit(fake_openai.base_url).netloc
    pill = page.locator("#provider-status")
    expect(pill).to_have_text(f"AI: OpenAI-compatible ({server})")
    expect(pill).to_have_attribute(
        "title", re.compile(rf"^Replies: OpenAI-compatible \({server}\)")
    )
