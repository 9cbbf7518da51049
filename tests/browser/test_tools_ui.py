"""Tools in a real browser: pick a tool in the agent editor, ask, see the call as a step above
the answer, expand it (its result shown as text), see the answer."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_accounts_ui import send, sign_up
from tests.fake_openai import Behaviour

pytestmark = pytest.mark.browser


def test_agent_with_a_tool_shows_the_call_as_a_step(page: Page, upstream: Behaviour) -> None:
    sign_up(page, "toolsmith")
    page.get_by_role("button", name="New agent").click()
    dialog = page.locator("#agent-dialog")
    dialog.get_by_label("Name").fill("Calculator")
    dialog.get_by_label("System prompt").fill("Add numbers with the tool.")
    tool = dialog.get_by_role("checkbox", name="calc__add")
    expect(dialog.locator(".tool-option", has_text="Add two whole numbers.")).to_be_visible()
    tool.check()
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()

    upstream.tool_calls = [{"name": "calc__add", "arguments": {"a": 2, "b": 3}}]
    upstream.reply = "The sum is five."
    send(page, "What is 2 + 3? <b>bold</b>")

    reply = page.locator(".message-ai").last
    expect(reply.locator(".bubble")).to_have_text("The sum is five.")
    step = reply.locator(".tool-step")
    expect(step).to_have_count(1)
    expect(step.locator("summary")).to_contain_text("calc__add")
    expect(step.locator(".tool-step-status")).to_contain_text("done")
    expect(step.locator("pre").first).to_be_hidden()  # collapsed until opened
    step.locator("summary").click()
    expect(step.locator("pre").nth(0)).to_contain_text('"a": 2')
    expect(step.locator("pre").nth(1)).to_have_text("5")

    page.reload()
    page.wait_for_selector("body.ready")
    expect(page.locator(".message-ai").last.locator(".tool-step summary")).to_contain_text(
        "calc__add"
    )
