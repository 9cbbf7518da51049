"""Model lifecycle in a real browser: the agent editor offers the upstream's models and the
speech provider's voices; an agent's owner sees a notice when its model is retiring, louder
within 30 days of the shutdown, and other people do not."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_accounts_ui import sign_up

pytestmark = pytest.mark.browser


def create_agent(page: Page, name: str, model: str) -> None:
    page.get_by_role("button", name="New agent").click()
    dialog = page.locator("#agent-dialog")
    dialog.get_by_label("Name").fill(name)
    dialog.get_by_label("System prompt").fill("Answer briefly.")
    dialog.get_by_label("Model (optional)").fill(model)
    dialog.get_by_label("Public (everyone can chat with it)").check()
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()


def test_agent_editor_offers_upstream_chat_models_and_speech_voices(page: Page) -> None:
    sign_up(page, "editor")
    page.get_by_role("button", name="New agent").click()
    options = page.locator("#agent-model-options option")
    expect(options.first).to_be_attached()
    models = options.evaluate_all("(nodes) => nodes.map((n) => n.value)")
    assert {"gpt-6-luna", "gpt-4o-mini"} <= set(models)
    # Chat models only: the upstream also lists speech and realtime models.
    assert not {"whisper-1", "gpt-transcribe", "gpt-realtime-2.1-mini"} & set(models)
    retiring = page.locator("#agent-model-options option[value='gpt-4o-mini']")
    expect(retiring).to_have_attribute("label", "gpt-4o-mini (shuts down 2027-01-14)")
    voices = page.get_by_label("Voice").locator("option").all_text_contents()
    assert voices[0] == "Default (alloy)" and "nova" in voices and "marin" in voices
    expect(page.get_by_label("Model (optional)")).to_have_attribute(
        "placeholder", "Default (gpt-6-luna)"
    )


def test_retiring_model_notice_shows_to_the_owner_only(page: Page) -> None:
    sign_up(page, "owner")
    notice = page.locator("#lifecycle-notice")
    expect(notice).to_be_hidden()

    create_agent(page, "Historian", "gpt-4o-mini")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("Historian's model gpt-4o-mini shuts down on 2027-01-14")
    expect(notice).to_contain_text("Edit the agent to choose another model.")
    expect(notice).to_have_attribute("role", "status")
    expect(notice).not_to_have_class("lifecycle-notice urgent")

    create_agent(page, "Sunsetter", "gpt-sunset-preview")
    expect(notice).to_contain_text("(10 days left)")
    expect(notice).to_have_class("lifecycle-notice urgent")
    expect(notice).to_have_attribute("role", "alert")

    page.get_by_role("button", name="Log out").click()
    expect(page.locator("#account-name")).to_have_text("Guest")
    select = page.get_by_label("Choose an agent")
    select.select_option(label="Historian")
    expect(page.locator("#chat-agent")).to_contain_text("Historian")
    expect(notice).to_be_hidden()


def test_a_model_outside_the_list_is_refused_in_words_a_user_knows(page: Page) -> None:
    sign_up(page, "picker")
    page.get_by_role("button", name="New agent").click()
    dialog = page.locator("#agent-dialog")
    dialog.get_by_label("Name").fill("Transcriber")
    dialog.get_by_label("System prompt").fill("Answer briefly.")
    dialog.get_by_label("Model (optional)").fill("whisper-1")
    dialog.get_by_role("button", name="Save").click()
    error = page.locator("#agent-error")
    expect(error).to_have_text(
        "The model 'whisper-1' isn't available here. Pick one from the list."
    )
    expect(dialog).to_be_visible()
