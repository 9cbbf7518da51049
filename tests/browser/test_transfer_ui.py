"""Export (a chat as Markdown or JSON, all chats as one JSON file) and import of that file,
in a real browser: the files really download and an import creates new chats."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_accounts_ui import send
from tests.browser.test_chat_ux_ui import reply_count

pytestmark = pytest.mark.browser


def test_export_downloads_the_chat_as_markdown(page: Page) -> None:
    send(page, "Export me please")
    reply_count(page, 1)

    page.get_by_role("button", name="Export", exact=True).click()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="This chat as Markdown").click()
    download = download_info.value

    assert download.suggested_filename.endswith(".md")
    text = Path(download.path()).read_text(encoding="utf-8")
    assert "Export me please" in text
    assert "Echo: Export me please" in text


def test_export_all_then_import_creates_new_chats(page: Page, tmp_path: Path) -> None:
    send(page, "Round trip chat")
    reply_count(page, 1)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export all chats").click()
    exported = tmp_path / "chats.json"
    download_info.value.save_as(exported)
    assert "Round trip chat" in json.dumps(json.loads(exported.read_text(encoding="utf-8")))

    page.locator("#import-file").set_input_files(str(exported))

    expect(page.locator("#toast")).to_have_text("Imported 1 chat.")
    expect(page.locator("#chat-list .chat-name")).to_have_text(
        ["Round trip chat", "Round trip chat"]
    )
    expect(page.locator(".message .bubble")).to_have_text(
        ["Round trip chat", "Echo: Round trip chat"]
    )
    # The copy is marked; the original is not (same title and times otherwise).
    badges = page.locator("#chat-list .chat-item").filter(has=page.locator(".chat-badge"))
    expect(badges).to_have_count(1)
    expect(badges.locator(".chat-badge")).to_have_text("Imported")
    expect(badges.locator(".chat-badge")).to_have_attribute(
        "title", re.compile(r"^Imported from an export file on ")
    )


def test_import_of_a_broken_file_shows_the_error(page: Page, tmp_path: Path) -> None:
    send(page, "Keep me alone")
    reply_count(page, 1)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export all chats").click()
    document = json.loads(Path(download_info.value.path()).read_text(encoding="utf-8"))
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({**document, "chats": "not a list"}), encoding="utf-8")

    page.locator("#import-file").set_input_files(str(broken))

    expect(page.locator("#error-banner")).to_be_visible()
    expect(page.locator("#error-text")).to_contain_text("chats")  # the server names the field
    expect(page.locator("#chat-list .chat-name")).to_have_text(["Keep me alone"])

    not_json = tmp_path / "notes.json"
    not_json.write_text("these are not chats", encoding="utf-8")
    page.locator("#import-file").set_input_files(str(not_json))
    expect(page.locator("#error-text")).not_to_contain_text("chats")
    expect(page.locator("#chat-list .chat-name")).to_have_text(["Keep me alone"])


def test_export_downloads_the_chat_as_json(page: Page) -> None:
    send(page, "Export me as data")
    reply_count(page, 1)

    page.get_by_role("button", name="Export", exact=True).click()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="This chat as JSON").click()
    download = download_info.value

    assert download.suggested_filename.endswith(".json")
    exported = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert "Export me as data" in json.dumps(exported)
    expect(page.locator("#export-dialog")).to_be_hidden()
