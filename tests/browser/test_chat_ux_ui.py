"""Chat UX in a real browser: guest chats kept on sign-up, search, agent cards with starters,
and dialogs that hold and return the keyboard focus."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_accounts_ui import log_in, send, sign_up

pytestmark = pytest.mark.browser


def reply_count(page: Page, count: int) -> None:
    expect(page.locator(".message-ai:not(.streaming):not(.pending)")).to_have_count(count)


def bearer(page: Page) -> dict[str, str]:
    token = page.evaluate("JSON.parse(localStorage.getItem('chatbot.session')).access_token")
    return {"Authorization": f"Bearer {token}"}


def test_guest_chat_is_kept_after_signing_up(page: Page) -> None:
    send(page, "Plans for my garden")
    reply_count(page, 1)

    sign_up(page, "gardener")

    expect(page.locator("#toast")).to_contain_text("Your guest chat was kept.")
    expect(page.locator("#chat-list .chat-name")).to_have_text(["Plans for my garden"])
    expect(page.locator(".message .bubble")).to_have_text(
        ["Plans for my garden", "Echo: Plans for my garden"]
    )


def test_guest_chats_are_kept_after_logging_in(page: Page, services) -> None:
    created = page.request.post(
        f"{services.api_url}/api/auth/register",
        data={"username": "returning", "password": "correct horse"},
    )
    assert created.status == 201
    send(page, "First guest question")
    reply_count(page, 1)
    page.get_by_role("button", name="New chat", exact=True).click()
    send(page, "Second guest question")
    reply_count(page, 1)

    log_in(page, "returning", "correct horse")

    expect(page.locator("#account-name")).to_have_text("returning")
    expect(page.locator("#toast")).to_contain_text("Your 2 guest chats were kept.")
    expect(page.locator("#chat-list .chat-name")).to_have_text(
        ["Second guest question", "First guest question"]
    )


def test_search_finds_chat_by_a_word_in_its_middle(page: Page) -> None:
    send(page, "Hello there")
    reply_count(page, 1)
    send(page, "My zebrafish tank needs cleaning every week")
    reply_count(page, 2)
    page.get_by_role("button", name="New chat", exact=True).click()
    send(page, "Something else entirely")
    reply_count(page, 1)

    page.keyboard.press("Control+k")
    dialog = page.locator("#search-dialog")
    expect(dialog.get_by_label("Search", exact=True)).to_be_focused()
    dialog.get_by_label("Search", exact=True).fill("zebrafish")

    result = dialog.locator(".search-result", has_text="Hello there")
    expect(result.locator("mark")).to_have_text(["zebrafish"])
    expect(dialog.locator(".search-result")).to_have_count(1)
    expect(dialog.get_by_role("status")).to_have_text("1 chat and 0 agents found.")
    result.click()

    expect(dialog).to_be_hidden()
    expect(page.locator("#chat-title")).to_have_text("Hello there")
    expect(page.locator(".message-user .bubble")).to_have_text(
        ["Hello there", "My zebrafish tank needs cleaning every week"]
    )


def test_search_highlights_are_text_never_markup(page: Page, upstream) -> None:
    send(page, "<b>bold</b> kiwi <img src=x onerror=alert(1)>")
    reply_count(page, 1)

    page.get_by_role("button", name="Search chats and agents").click()
    page.locator("#search-input").fill("kiwi")

    result = page.locator("#search-results .search-result")
    expect(result).to_have_count(1)
    expect(result.locator(".result-title")).to_contain_text("<b>bold</b>")
    assert page.locator("#search-results :is(b, img)").count() == 0


def test_search_with_no_match_says_so(page: Page) -> None:
    send(page, "Only about apples")
    reply_count(page, 1)

    page.keyboard.press("Control+k")
    page.locator("#search-input").fill("pineapple-not-here")

    expect(page.locator("#search-status")).to_have_text("Nothing found.")
    expect(page.locator("#search-results .search-result")).to_have_count(0)


def test_search_finds_agents_by_description_and_selects_one(page: Page) -> None:
    sign_up(page, "seeker")
    create_card_agent(page)
    page.get_by_label("Choose an agent").select_option(label="Helpful Assistant")

    page.keyboard.press("Control+k")
    page.locator("#search-input").fill("short TRIPS")

    result = page.locator("#search-results .search-result", has_text="Trip Planner")
    expect(result.locator("mark")).to_have_text(["short", "trips"])
    result.click()
    expect(page.get_by_label("Choose an agent").locator("option:checked")).to_have_text(
        "Trip Planner"
    )


def test_search_pages_through_many_chats(page: Page, services) -> None:
    agent_id = page.get_by_label("Choose an agent").input_value()
    for number in range(23):
        created = page.request.post(
            f"{services.api_url}/api/agents/{agent_id}/chats",
            data={"title": f"Walnut note {number}"},
            headers=bearer(page),
        )
        assert created.status == 201

    page.keyboard.press("Control+k")
    page.locator("#search-input").fill("walnut")

    results = page.locator("#search-results .search-result")
    expect(results).to_have_count(20)
    expect(page.locator("#search-status")).to_have_text("23 chats and 0 agents found.")
    page.get_by_role("button", name="More chats").click()
    expect(results).to_have_count(23)
    expect(page.get_by_role("button", name="More chats")).to_be_hidden()
    expect(results.nth(20)).to_be_focused()


def create_card_agent(page: Page) -> None:
    page.get_by_role("button", name="New agent").click()
    dialog = page.locator("#agent-dialog")
    dialog.get_by_label("Name").fill("Trip Planner")
    dialog.get_by_label("System prompt").fill("SECRET-PROMPT: plan trips.")
    dialog.get_by_label("Description (public, Markdown)").fill("Plans *short* trips.")
    dialog.get_by_label("Starter 1").fill("Plan a weekend in Lisbon")
    dialog.get_by_label("Starter 2").fill("What should I pack?")
    dialog.get_by_label("Avatar emoji (optional)").fill("🧭")
    dialog.get_by_label("Public (everyone can chat with it)").check()
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()


def test_agent_card_offers_starters_on_an_empty_chat(page: Page) -> None:
    sign_up(page, "planner")
    create_card_agent(page)

    card = page.locator("#agent-card")
    expect(card.get_by_role("heading", name="Trip Planner")).to_be_visible()
    expect(card.locator(".avatar")).to_have_text("🧭")
    expect(card.locator("#agent-card-description em")).to_have_text("short")
    starters = card.get_by_role("list", name="Conversation starters").get_by_role("button")
    expect(starters).to_have_text(["Plan a weekend in Lisbon", "What should I pack?"])

    starters.first.click()

    expect(page.locator(".message-user .bubble")).to_have_text(["Plan a weekend in Lisbon"])
    reply_count(page, 1)
    expect(card).to_be_hidden()


def test_another_users_public_agent_shows_card_but_no_prompt_or_edit(
    page: Page, browser, services
) -> None:
    sign_up(page, "owner")
    create_card_agent(page)

    context = browser.new_context()
    other = context.new_page()
    try:
        other.goto(f"{services.api_url}/")
        other.wait_for_selector("body.ready")
        other.get_by_label("Choose an agent").select_option(label="Trip Planner")
        expect(other.locator("#agent-description")).to_have_text("Plans short trips.")
        expect(other.get_by_role("button", name="Edit agent")).to_be_hidden()
        expect(other.locator("#agent-card .avatar")).to_have_text("🧭")
        assert "SECRET-PROMPT" not in other.content()
    finally:
        context.close()


def test_dialog_keeps_focus_inside_and_returns_it(page: Page) -> None:
    opener = page.get_by_role("button", name="Search chats and agents")
    opener.focus()
    page.keyboard.press("Enter")
    dialog = page.locator("#search-dialog")
    expect(dialog.locator("#search-input")).to_be_focused()

    for _ in range(6):  # more presses than the dialog has controls
        page.keyboard.press("Tab")
        assert page.evaluate(
            "document.getElementById('search-dialog').contains(document.activeElement)"
        )
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(
        "document.getElementById('search-dialog').contains(document.activeElement)"
    )

    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(opener).to_be_focused()


def test_new_messages_and_status_are_announced(page: Page) -> None:
    messages = page.get_by_role("list", name="Messages")
    expect(messages).to_have_attribute("aria-live", "polite")
    expect(page.locator("#toast")).to_have_attribute("role", "status")
    expect(page.locator("#error-banner")).to_have_attribute("role", "alert")
    send(page, "Announce this")
    reply_count(page, 1)
    expect(messages).to_have_attribute("aria-busy", "false")


def test_agent_editor_shows_the_servers_limit_for_a_long_description(page: Page) -> None:
    sign_up(page, "verbose")
    page.get_by_role("button", name="New agent").click()
    dialog = page.locator("#agent-dialog")
    dialog.get_by_label("Name").fill("Talker")
    dialog.get_by_label("System prompt").fill("Talk.")
    dialog.get_by_label("Description (public, Markdown)").fill("x" * 501)
    dialog.get_by_role("button", name="Save").click()

    expect(dialog.locator("#agent-error")).to_contain_text("description")
    expect(dialog).to_be_visible()  # nothing typed is lost
    expect(dialog.get_by_label("Description (public, Markdown)")).to_have_value("x" * 501)
