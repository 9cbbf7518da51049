"""An automated accessibility audit (axe-core, vendored in tests/browser/vendor) of the main
screens, light and dark, desktop and phone: no serious or critical violation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE
from tests.browser.test_accounts_ui import send, sign_up
from tests.fake_openai import Behaviour

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
REPLY = (
    "Sure. **Steps**:\n\n1. Read the table\n2. Run the code\n\n"
    "| Item | Cost |\n| --- | --- |\n| Tea | 3 |\n\n"
    "```python\nprint('hello')  # say hi\n```\n\nMore at [the docs](https://example.org)."
)


def serious_violations(page: Page) -> list[str]:
    """Run axe on the page as it is now; one line per serious or critical violation."""
    if not page.evaluate("typeof window.axe === 'object'"):
        # Evaluated through the DevTools protocol: the page's CSP (no inline script) still holds.
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result: dict[str, Any] = page.evaluate(
        "() => axe.run(document, { resultTypes: ['violations'] })"
    )
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(str(node["target"]) for node in violation["nodes"][:5])
        for violation in result["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def assert_accessible(page: Page, screen: str) -> None:
    page.wait_for_timeout(250)  # let transitions end: axe measures colours as painted
    violations = serious_violations(page)
    assert not violations, f"{screen}:\n" + "\n".join(violations)


def converse(page: Page, upstream: Behaviour) -> None:
    upstream.reply = REPLY
    send(page, "Show me everything")
    expect(page.locator(".message-ai:not(.streaming) .code-block")).to_have_count(1)


def test_chat_screen_has_no_serious_violations(page: Page, upstream: Behaviour) -> None:
    assert_accessible(page, "empty chat")
    converse(page, upstream)
    assert_accessible(page, "chat with a Markdown reply")


def test_dialogs_have_no_serious_violations(page: Page, upstream: Behaviour) -> None:
    converse(page, upstream)
    page.get_by_role("button", name="Sign up").click()
    assert_accessible(page, "sign-up dialog")
    page.locator("#auth-dialog").get_by_role("button", name="Cancel").click()

    page.get_by_role("button", name="Export", exact=True).click()
    assert_accessible(page, "export dialog")
    page.locator("#export-dialog").get_by_role("button", name="Close").click()

    page.keyboard.press("Control+k")
    page.locator("#search-input").fill("everything")
    expect(page.locator("#search-results .search-result")).to_have_count(1)
    assert_accessible(page, "search dialog with a result")
    page.keyboard.press("Escape")

    sign_up(page, "auditor")
    page.get_by_role("button", name="New agent").click()
    assert_accessible(page, "agent editor")


def test_phone_dark_screens_have_no_serious_violations(
    browser, services, upstream: Behaviour
) -> None:
    context = browser.new_context(viewport=PHONE, color_scheme="dark")
    page = context.new_page()
    try:
        page.goto(f"{services.api_url}/")
        page.wait_for_selector("body.ready")
        converse(page, upstream)
        assert_accessible(page, "phone chat, dark")
        page.get_by_role("button", name="Show chats and agents").click()
        expect(page.locator("#sidebar")).to_be_in_viewport()
        assert_accessible(page, "phone sidebar, dark")
    finally:
        context.close()


def test_reduced_motion_stops_animations_and_dark_scheme_is_kept(browser, services) -> None:
    context = browser.new_context(reduced_motion="reduce", color_scheme="dark")
    page = context.new_page()
    try:
        page.goto(f"{services.api_url}/")
        page.wait_for_selector("body.ready")
        page.evaluate("document.getElementById('typing').hidden = false")
        animation = page.evaluate(
            "getComputedStyle(document.querySelector('#typing .dot')).animationName"
        )
        assert animation == "none"
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(15, 18, 32)"  # the dark palette's --bg
    finally:
        context.close()


def test_dialog_opens_with_focus_on_its_first_field_and_gives_it_back(page: Page) -> None:
    opener = page.get_by_role("button", name="Sign up")
    opener.click()
    expect(page.locator("#auth-dialog").get_by_label("Username")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("#auth-dialog")).to_be_hidden()
    expect(opener).to_be_focused()
