"""Knowledge in a real browser: attach a file in the agent editor, watch it become ready, ask,
see the citation under the reply."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_accounts_ui import send, sign_up

pytestmark = pytest.mark.browser


def test_upload_see_ready_ask_and_see_the_citation(page: Page, tmp_path: Path) -> None:
    sign_up(page, "librarian")
    page.get_by_role("button", name="New agent").click()
    dialog = page.locator("#agent-dialog")
    dialog.get_by_label("Name").fill("Valve Expert")
    dialog.get_by_label("System prompt").fill("Answer from the manual.")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    page.get_by_role("button", name="Edit agent").click()
    expect(dialog.locator("#agent-files")).to_be_visible()
    manual = tmp_path / "manual.md"
    manual.write_text("# Valves\n\nThe emergency shutoff valve is painted teal, behind panel Q7.\n")
    dialog.locator("#agent-file-input").set_input_files(str(manual))
    row = dialog.locator(".agent-file", has_text="manual.md")
    expect(row).to_have_attribute("data-status", "ready", timeout=30_000)
    expect(row).to_contain_text("ready · 1 passages")
    dialog.get_by_role("button", name="Cancel").click()
    send(page, "Where is the emergency shutoff valve?")
    citations = page.locator(".message-ai .citations")
    expect(citations).to_contain_text("Sources (1)")
    citations.locator("summary").click()
    expect(citations).to_contain_text("manual.md")
    expect(citations.locator(".citation-snippet")).to_contain_text("painted teal")
