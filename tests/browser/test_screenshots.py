"""The main screens at desktop and phone size: they render without overflow, and
`bin/screenshots` saves them to docs/screenshots/ (SCREENSHOT_DIR)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DESKTOP, PHONE
from tests.fake_openai import Behaviour

pytestmark = pytest.mark.browser

REPLY = (
    "Happy to help! Here are three ideas for a **quiet weekend**:\n\n"
    "1. A morning walk somewhere green.\n"
    "2. Cook something new with a friend.\n"
    "3. Finish that book you started.\n\n"
    "| Day | Plan |\n| --- | --- |\n| Sat | Walk, then cook |\n| Sun | Read |"
)


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    target = os.environ.get("SCREENSHOT_DIR")
    path = Path(target) if target else tmp_path
    path.mkdir(parents=True, exist_ok=True)
    return path


def converse(page: Page, upstream: Behaviour) -> None:
    upstream.reply = REPLY
    page.get_by_label("Message", exact=True).fill("Any ideas for a relaxed weekend?")
    page.get_by_label("Message", exact=True).press("Enter")
    reply = page.locator(".message-ai:not(.streaming) .bubble")
    expect(reply.locator("ol li")).to_have_count(3)
    expect(reply.locator("table td")).to_have_count(4)
    page.evaluate("document.getElementById('toast').hidden = true")


def assert_no_horizontal_overflow(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"]


def snap(page: Page, path: Path) -> None:
    page.mouse.move(0, 0)
    page.evaluate("document.getElementById('toast').hidden = true")
    page.wait_for_timeout(250)  # let transitions settle
    page.screenshot(path=str(path))
    assert path.stat().st_size > 5_000


def test_screens_at_desktop_size(page: Page, upstream: Behaviour, shots: Path) -> None:
    converse(page, upstream)
    assert_no_horizontal_overflow(page)
    snap(page, shots / "desktop-chat.png")

    page.keyboard.press("Control+k")
    page.locator("#search-input").fill("weekend")
    expect(page.locator("#search-results mark").first).to_be_visible()
    snap(page, shots / "desktop-search.png")
    page.keyboard.press("Escape")

    page.get_by_role("button", name="Sign up").click()
    page.locator("#auth-dialog").get_by_label("Username").fill("dana")
    page.locator("#auth-dialog").get_by_label("Password").fill("correct horse")
    page.locator("#auth-dialog").get_by_role("button", name="Sign up").click()
    expect(page.locator("#account-name")).to_have_text("dana")
    page.get_by_role("button", name="New agent").click()
    page.locator("#agent-dialog").get_by_label("Name").fill("Travel planner")
    dialog = page.locator("#agent-dialog")
    dialog.get_by_label("System prompt").fill(
        "You plan trips. Ask where and when, then suggest a short day-by-day plan."
    )
    dialog.get_by_label("Description (public, Markdown)").fill(
        "Plans **short trips**: where to go, what to see, what to pack."
    )
    for number, starter in enumerate(
        ["A weekend in Lisbon", "Three days in Kyoto", "What should I pack?"], start=1
    ):
        dialog.get_by_label(f"Starter {number}").fill(starter)
    dialog.get_by_label("Avatar colour", exact=True).check()
    dialog.get_by_label("Avatar colour value").fill("#0f766e")
    dialog.get_by_label("Name").focus()  # the editor scrolled to its top
    snap(page, shots / "desktop-agent-editor.png")

    dialog.get_by_role("button", name="Save").click()
    expect(page.locator("#agent-starters .starter")).to_have_count(3)
    assert_no_horizontal_overflow(page)
    snap(page, shots / "desktop-agent-card.png")


def test_screens_at_phone_size(browser, services, upstream: Behaviour, shots: Path) -> None:
    context = browser.new_context(viewport=PHONE, color_scheme="dark", device_scale_factor=1)
    page = context.new_page()
    try:
        page.goto(f"{services.api_url}/")
        page.wait_for_selector("body.ready")
        converse(page, upstream)
        assert_no_horizontal_overflow(page)
        snap(page, shots / "phone-chat-dark.png")

        page.get_by_role("button", name="Show chats and agents").click()
        expect(page.locator("#sidebar")).to_be_in_viewport()
        snap(page, shots / "phone-sidebar-dark.png")
    finally:
        context.close()


def test_screen_while_recording(page: Page, shots: Path) -> None:
    page.set_viewport_size(DESKTOP)
    button = page.get_by_role("button", name="Hold to talk")
    button.hover()
    page.mouse.down()
    expect(page.locator("#recording-status")).to_be_visible()
    page.wait_for_timeout(1200)
    page.screenshot(path=str(shots / "desktop-recording.png"))
    page.keyboard.press("Escape")
    page.mouse.up()
    expect(page.locator("#recording-status")).to_be_hidden()
