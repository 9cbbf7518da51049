"""The text chat in a real browser: guests, streaming, history, safety, errors."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.fake_openai import Behaviour, Failure

pytestmark = pytest.mark.browser


def send(page: Page, text: str) -> None:
    page.get_by_label("Message", exact=True).fill(text)
    page.get_by_label("Message", exact=True).press("Enter")


def test_guest_sends_text_and_gets_reply(page: Page) -> None:
    expect(page.locator("#account-name")).to_have_text("Guest")
    expect(page.get_by_label("Choose an agent")).to_have_value(re.compile(r"\d+"))
    assert page.evaluate("JSON.parse(localStorage.getItem('chatbot.session')).kind") == "guest"

    send(page, "Hello agent")

    expect(page.locator(".message-user .bubble")).to_have_text(["Hello agent"])
    expect(page.locator(".message-ai .bubble")).to_have_text(["Echo: Hello agent"])
    expect(page.locator("#chat-list .chat-name")).to_have_text(["Hello agent"])
    expect(page.get_by_label("Message", exact=True)).to_have_value("")


def test_guest_history_survives_reload(page: Page) -> None:
    send(page, "Remember me")
    expect(page.locator(".message-ai .bubble")).to_have_text(["Echo: Remember me"])

    page.reload()
    page.wait_for_selector("body.ready")

    expect(page.locator("#account-name")).to_have_text("Guest")
    expect(page.locator(".message .bubble")).to_have_text(["Remember me", "Echo: Remember me"])


def test_reply_streams_in_with_typing_indicator(page: Page, upstream: Behaviour, services) -> None:
    if services.voice_url is None:
        pytest.skip("the voice service is not running (voice/asgi.py missing or WITHOUT_VOICE=1)")
    upstream.reply = "one two three four five six seven eight"
    upstream.stream_chunk_delay = 0.15

    send(page, "Count for me")

    expect(page.locator(".message-ai.streaming")).to_have_count(1)
    expect(page.locator("#typing")).to_be_visible()
    partial = page.locator(".message-ai .bubble").inner_text()
    assert partial != upstream.reply
    expect(page.locator(".message-ai .bubble")).to_have_text([upstream.reply])
    expect(page.locator(".message-ai.streaming")).to_have_count(0)
    expect(page.locator("#typing")).to_be_hidden()
    assert page.locator(".message-ai").get_attribute("data-message-id")


def test_reply_with_html_is_shown_as_text(page: Page, upstream: Behaviour) -> None:
    payload = "<img src=x onerror=alert(1)> <b>bold</b>"
    upstream.reply = payload
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    send(page, "<script>alert(2)</script>")

    expect(page.locator(".message-ai .bubble")).to_have_text([payload])
    expect(page.locator(".message-user .bubble")).to_have_text(["<script>alert(2)</script>"])
    page.wait_for_timeout(300)
    assert page.locator("#messages img, #messages b, #messages script").count() == 0
    assert dialogs == []


def test_provider_failure_keeps_message_and_retry_gets_reply(
    page: Page, upstream: Behaviour
) -> None:
    upstream.fail_next("chat", Failure(500))

    send(page, "Please answer")

    expect(page.get_by_role("alert").filter(has_text="kept")).to_be_visible()
    expect(page.locator(".message-user .bubble")).to_have_text(["Please answer"])
    expect(page.locator(".message-ai")).to_have_count(0)

    page.get_by_role("button", name="Retry").click()

    expect(page.locator(".message-ai .bubble")).to_have_text(["Echo: Please answer"])
    expect(page.locator("#error-banner")).to_be_hidden()


def test_failed_send_keeps_typed_text(page: Page) -> None:
    page.route("**/chats/*/messages**", lambda route: route.abort())

    send(page, "Do not lose me")

    expect(page.locator("#error-banner")).to_be_visible()
    expect(page.get_by_label("Message", exact=True)).to_have_value("Do not lose me")
    expect(page.locator(".message-user")).to_have_count(0)

    page.unroute("**/chats/*/messages**")
    page.get_by_role("button", name="Retry").click()
    expect(page.locator(".message-ai .bubble")).to_have_text(["Echo: Do not lose me"])


def test_expired_access_token_is_refreshed_quietly(page: Page) -> None:
    send(page, "First")
    expect(page.locator(".message-ai")).to_have_count(1)
    page.evaluate(
        """() => {
          const s = JSON.parse(localStorage.getItem('chatbot.session'));
          s.access_token = s.access_token.slice(0, -4) + 'AAAA';  // now rejected with 401
          localStorage.setItem('chatbot.session', JSON.stringify(s));
        }"""
    )
    page.reload()
    page.wait_for_selector("body.ready")

    send(page, "Second")

    expect(page.locator(".message-ai .bubble")).to_have_text(["Echo: First", "Echo: Second"])
    expect(page.locator("#account-name")).to_have_text("Guest")


REFRESH = "async () => (await import('/assets/js/api.js')).refreshAccess()"
STORED = "() => JSON.parse(localStorage.getItem('chatbot.session'))"


def test_two_tabs_refreshing_one_login_keep_it(page: Page, services) -> None:
    send(page, "First")
    expect(page.locator(".message-ai")).to_have_count(1)
    other = page.context.new_page()
    other.goto(page.url)
    other.wait_for_selector("body.ready")
    before = page.evaluate(STORED)

    assert page.evaluate(REFRESH) is True  # this tab rotates the refresh token...
    assert other.evaluate(REFRESH) is True  # ...the other still holds the old one in memory

    after = other.evaluate(STORED)
    assert after["refresh_token"] != before["refresh_token"]
    assert after["guest_id"] == before["guest_id"]  # the same login, not a new guest
    me = page.request.get(
        f"{services.api_url}/api/auth/me",
        headers={"Authorization": f"Bearer {after['access_token']}"},
    )
    assert me.status == 200  # a reused refresh token would have ended the login
    other.close()


def test_load_older_messages(page: Page, services) -> None:
    token = page.evaluate("JSON.parse(localStorage.getItem('chatbot.session')).access_token")
    headers = {"Authorization": f"Bearer {token}"}
    request = page.request
    agent_id = page.get_by_label("Choose an agent").input_value()
    chat = request.post(f"{services.api_url}/api/agents/{agent_id}/chats", data={}, headers=headers)
    chat_id = chat.json()["id"]
    for index in range(16):  # 32 messages: one page of 30 and 2 older
        response = request.post(
            f"{services.api_url}/api/chats/{chat_id}/messages",
            data={"content": f"m{index:02d}"},
            headers=headers,
        )
        assert response.status == 201
    page.reload()
    page.wait_for_selector("body.ready")

    expect(page.locator(".message")).to_have_count(30)
    expect(page.locator(".message .bubble").first).to_have_text("m01")

    page.get_by_role("button", name="Load older messages").click()

    expect(page.locator(".message")).to_have_count(32)
    expect(page.locator(".message .bubble").first).to_have_text("m00")
    expect(page.get_by_role("button", name="Load older messages")).to_be_hidden()


def test_phone_layout_collapses_sidebar(page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    toggle = page.get_by_role("button", name="Show chats and agents")
    expect(toggle).to_be_visible()
    expect(page.locator("#sidebar")).not_to_be_in_viewport()

    toggle.click()

    expect(page.locator("#sidebar")).to_be_in_viewport()
    page.get_by_role("button", name="New chat", exact=True).click()
    expect(page.locator("#sidebar")).not_to_be_in_viewport()
    send(page, "From my phone")
    expect(page.locator(".message-ai .bubble")).to_have_text(["Echo: From my phone"])


def test_rate_limited_send_keeps_text_and_says_when(page: Page) -> None:
    envelope = '{"code": 429, "status": "Too Many Requests", "message": "Slow down."}'
    page.route(
        "**/chats/*/messages**",
        lambda route: route.fulfill(
            status=429,
            body=envelope,
            content_type="application/json",
            headers={
                "Retry-After": "7",
                "Access-Control-Allow-Origin": "*",
                "Access-Control-Expose-Headers": "Retry-After",
            },
        ),
    )

    send(page, "Too fast?")

    expect(page.locator("#error-text")).to_have_text(
        "You are sending messages too quickly. Try again in 7 s."
    )
    expect(page.get_by_label("Message", exact=True)).to_have_value("Too fast?")


def test_ui_served_by_voice_service_works(page: Page, services) -> None:
    if services.voice_url is None:
        pytest.skip("the voice service is not running (voice/asgi.py missing or WITHOUT_VOICE=1)")
    page.goto(f"{services.voice_url}/")
    page.wait_for_selector("body.ready")

    send(page, "Hello from the voice origin")

    expect(page.locator(".message-ai .bubble")).to_have_text(["Echo: Hello from the voice origin"])
    expect(page.locator("#provider-status")).to_have_text(
        re.compile(r"^AI: OpenAI-compatible \(127\.0\.0\.1:\d+\)$")
    )


def test_shift_enter_adds_a_line_and_enter_sends(page: Page) -> None:
    box = page.get_by_label("Message", exact=True)
    box.fill("first line")
    box.press("Shift+Enter")
    box.type("second line")
    expect(page.locator(".message")).to_have_count(0)

    box.press("Enter")

    expect(page.locator(".message-user .bubble")).to_have_text(["first line\nsecond line"])
    expect(page.locator(".message-ai")).to_have_count(1)
