"""Turns in a real browser: a reply survives a reload, stop, regenerate, edit, versions, copy."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.fake_openai import Behaviour

pytestmark = pytest.mark.browser

SLOW_REPLY = " ".join(f"word{index}" for index in range(20))
LONG_REPLY = " ".join(f"word{index}" for index in range(40))


@pytest.fixture(autouse=True)
def needs_voice(services) -> None:  # type: ignore[no-untyped-def]
    if services.voice_url is None:
        pytest.skip("the voice service is not running (voice/asgi.py missing or WITHOUT_VOICE=1)")


def send(page: Page, text: str) -> None:
    page.get_by_label("Message", exact=True).fill(text)
    page.get_by_label("Message", exact=True).press("Enter")


def reply(page: Page):  # type: ignore[no-untyped-def]
    return page.locator(".message-ai").last


def test_reload_during_a_streamed_reply_shows_it_finishing(page: Page, upstream: Behaviour) -> None:
    upstream.reply = SLOW_REPLY
    upstream.stream_chunk_delay = 0.15
    send(page, "Talk for a while")
    expect(page.locator(".message-ai.streaming")).to_have_count(1)

    page.reload()
    page.wait_for_selector("body.ready")
    expect(reply(page)).to_have_attribute("data-status", "pending")
    expect(page.locator("#stop-button")).to_be_visible()
    expect(reply(page).locator(".bubble")).to_have_text(SLOW_REPLY)
    expect(reply(page)).to_have_attribute("data-status", "complete")
    expect(page.locator("#stop-button")).to_be_hidden()
    expect(page.locator(".message-user .bubble")).to_have_text(["Talk for a while"])


@pytest.mark.parametrize("how", ["button", "escape"])
def test_stop_keeps_the_partial_reply(how: str, page: Page, upstream: Behaviour) -> None:
    upstream.reply = SLOW_REPLY
    upstream.stream_chunk_delay = 0.15
    send(page, "Talk for a while")
    expect(page.locator(".message-ai.streaming")).to_have_count(1)
    expect(page.locator("#stop-button")).to_be_visible()

    if how == "button":
        page.locator("#stop-button").click()
    else:
        page.keyboard.press("Escape")

    expect(reply(page)).to_have_attribute("data-status", "stopped")
    partial = reply(page).locator(".bubble").inner_text()
    assert partial and SLOW_REPLY.startswith(partial) and partial != SLOW_REPLY
    expect(page.locator("#stop-button")).to_be_hidden()
    page.reload()
    page.wait_for_selector("body.ready")
    expect(reply(page).locator(".bubble")).to_have_text(partial)


def test_regenerate_then_switch_versions(page: Page, upstream: Behaviour) -> None:
    send(page, "Hello")
    expect(reply(page).locator(".bubble")).to_have_text("Echo: Hello")
    upstream.reply = "A second thought"

    reply(page).get_by_role("button", name="Regenerate: write a new version of this reply").click()

    expect(reply(page).locator(".bubble")).to_have_text("A second thought")
    expect(reply(page).locator(".version-label")).to_have_text("2/2")
    reply(page).get_by_role("button", name="Previous version").click()
    expect(reply(page).locator(".bubble")).to_have_text("Echo: Hello")
    expect(reply(page).locator(".version-label")).to_have_text("1/2")
    expect(reply(page).get_by_role("button", name="Previous version")).to_be_disabled()
    reply(page).get_by_role("button", name="Next version").click()
    expect(reply(page).locator(".bubble")).to_have_text("A second thought")
    expect(page.locator(".message")).to_have_count(2)


def test_edit_a_message_answers_the_new_version(page: Page, upstream: Behaviour) -> None:
    send(page, "Cats?")
    expect(reply(page).locator(".bubble")).to_have_text("Echo: Cats?")
    question = page.locator(".message-user").last

    question.get_by_role("button", name="Edit this message").click()
    question.get_by_label("Edit message").fill("Dogs?")
    question.get_by_role("button", name="Send").click()

    expect(reply(page).locator(".bubble")).to_have_text("Echo: Dogs?")
    question = page.locator(".message-user").last
    expect(question.locator(".bubble")).to_have_text("Dogs?")
    expect(question.locator(".version-label")).to_have_text("2/2")
    question.get_by_role("button", name="Previous version").click()
    expect(page.locator(".message .bubble")).to_have_text(["Cats?", "Echo: Cats?"])
    assert upstream.requests[-1]["json"]["messages"][-1]["content"] == "Dogs?"


def test_copy_a_message(page: Page, services) -> None:  # type: ignore[no-untyped-def]
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=services.api_url)
    send(page, "Copy me")
    expect(reply(page).locator(".bubble")).to_have_text("Echo: Copy me")

    reply(page).get_by_role("button", name="Copy message").click()

    expect(page.locator("#toast")).to_have_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == "Echo: Copy me"


# Every text the reply's bubble shows, recorded by the page itself on each change (nothing is
# missed between two samples taken from the test).
RECORD_REPLY_TEXTS = """
window.__replyTexts = [];
new MutationObserver(() => {
  const bubbles = document.querySelectorAll('.message-ai .bubble');
  const last = bubbles[bubbles.length - 1];
  if (last) window.__replyTexts.push(last.textContent);
}).observe(document, { subtree: true, childList: true, characterData: true });
"""


def test_reply_followed_after_reload_never_shows_doubled_text(
    page: Page, upstream: Behaviour
) -> None:
    upstream.reply = LONG_REPLY
    upstream.stream_chunk_delay = 0.25  # about ten seconds: time to reload on a busy machine
    send(page, "Talk for a while")
    # Some of the reply is written (and stored) before the reload, so history restores it.
    expect(reply(page).locator(".bubble")).to_contain_text("word3")
    page.add_init_script(RECORD_REPLY_TEXTS)

    page.reload()
    page.wait_for_selector("body.ready")
    expect(reply(page)).to_have_attribute("data-status", "complete", timeout=20_000)
    expect(reply(page).locator(".bubble")).to_have_text(LONG_REPLY)

    texts = [text.strip() for text in page.evaluate("window.__replyTexts")]
    assert any(text and text != LONG_REPLY for text in texts), "the reply was not followed"
    doubled = [text for text in texts if not LONG_REPLY.startswith(text)]
    assert not doubled, f"the reply showed text that is not a prefix of it: {doubled[:3]}"
