"""The page shows the server's rules, not copies: the sign-up form, the agent editor's starters
and the starter agent follow /config.json (served as is, or changed on the way to the page to
prove nothing else decides). And the message list is one keyed render: nodes are reused."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import DESKTOP
from tests.browser.test_accounts_ui import send, sign_up

pytestmark = pytest.mark.browser

Changes = Callable[[dict[str, Any]], None]


@pytest.fixture
def page_with_config(browser, services, upstream) -> Iterator[Callable[[Changes], Page]]:  # type: ignore[no-untyped-def]
    """A fresh page whose /config.json is the server's, changed by `changes` on the way."""
    contexts = []
    errors: list[str] = []

    def _open(changes: Changes) -> Page:
        context = browser.new_context(viewport=DESKTOP)
        contexts.append(context)

        def edit(route: Route) -> None:
            served = route.fetch()
            document = served.json()
            changes(document)
            route.fulfill(response=served, body=json.dumps(document))

        context.route("**/config.json", edit)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{services.api_url}/")
        page.wait_for_selector("body.ready")
        return page

    yield _open
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def served_config(page: Page, services) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return dict(page.request.get(f"{services.api_url}/config.json").json())


def open_sign_up(page: Page) -> None:
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator("#auth-dialog")).to_be_visible()


def test_sign_up_inputs_and_hint_are_config_jsons_rules(page: Page, services) -> None:  # type: ignore[no-untyped-def]
    rules = served_config(page, services)["accounts"]
    open_sign_up(page)
    username, password = page.locator("#auth-username"), page.locator("#auth-password")

    expect(username).to_have_attribute("minlength", str(rules["username_min_chars"]))
    expect(username).to_have_attribute("maxlength", str(rules["username_max_chars"]))
    expect(password).to_have_attribute("minlength", str(rules["password_min_chars"]))
    expect(password).to_have_attribute("maxlength", str(rules["password_max_chars"]))
    hint = f"at least {rules['password_min_chars']} characters"
    expect(page.locator("#auth-hint")).to_contain_text(hint)
    expect(page.locator("#auth-hint")).to_contain_text(rules["username_characters"])
    # The server's pattern works in the browser (HTML compiles it with the `v` flag).
    username.fill("no spaces!")
    assert username.evaluate("input => input.validity.patternMismatch")
    username.fill("fine_name-1.x")
    assert not username.evaluate("input => input.validity.patternMismatch")

    page.locator("#auth-switch").click()  # logging in: no minimums, the server says what is wrong
    expect(page.locator("#auth-hint")).to_have_text("")
    assert password.get_attribute("minlength") is None


def test_sign_up_form_follows_a_changed_config(page_with_config) -> None:  # type: ignore[no-untyped-def]
    def stricter(document: dict[str, Any]) -> None:
        document["accounts"].update(password_min_chars=12, username_max_chars=20)

    page = page_with_config(stricter)
    open_sign_up(page)

    expect(page.locator("#auth-password")).to_have_attribute("minlength", "12")
    expect(page.locator("#auth-username")).to_have_attribute("maxlength", "20")
    expect(page.locator("#auth-hint")).to_contain_text("3\u201320")
    expect(page.locator("#auth-hint")).to_contain_text("at least 12 characters")
    page.locator("#auth-username").fill("config_rules")
    page.locator("#auth-password").fill("eleven-char")  # 11: the browser refuses before sending
    assert page.locator("#auth-password").evaluate("input => input.validity.tooShort")


def open_agent_editor(page: Page) -> None:
    page.get_by_role("button", name="New agent").click()
    expect(page.locator("#agent-dialog")).to_be_visible()


def test_agent_editor_offers_the_servers_number_of_starters(
    page: Page, page_with_config, services
) -> None:  # type: ignore[no-untyped-def]
    limits = served_config(page, services)["limits"]
    sign_up(page, "starter_counter")
    open_agent_editor(page)
    inputs = page.locator("#agent-dialog .agent-starter-input")
    expect(inputs).to_have_count(limits["starters"])
    expect(inputs.first).to_have_attribute("maxlength", str(limits["starter_chars"]))
    expect(page.locator("#agent-starters-legend")).to_contain_text(f"up to {limits['starters']}")

    fewer = page_with_config(
        lambda document: document["limits"].update(starters=2, starter_chars=50)
    )
    sign_up(fewer, "starter_counter_2")
    open_agent_editor(fewer)
    expect(fewer.locator("#agent-dialog .agent-starter-input")).to_have_count(2)
    expect(fewer.get_by_label("Starter 2")).to_have_attribute("maxlength", "50")


def test_the_starter_agent_is_the_one_config_json_names(page: Page, page_with_config) -> None:  # type: ignore[no-untyped-def]
    name = f"Named starter {uuid.uuid4().hex[:6]}"
    sign_up(page, f"owner_{uuid.uuid4().hex[:6]}")
    open_agent_editor(page)
    dialog = page.locator("#agent-dialog")
    dialog.get_by_label("Name").fill(name)
    dialog.get_by_label("System prompt").fill("Be brief.")
    dialog.locator("#agent-public").check()
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()

    guest = page_with_config(lambda document: document["starter_agent"].update(name=name))

    expect(guest.locator("#agent-select option:checked")).to_have_text(name)


def test_streamed_reply_and_versions_reuse_their_nodes(page: Page, upstream, services) -> None:  # type: ignore[no-untyped-def]
    if services.voice_url is None:
        pytest.skip("replies stream from the voice service, which is not running")
    first = " ".join(f"word{index}" for index in range(12))
    upstream.reply = first
    upstream.stream_chunk_delay = 0.05
    send(page, "Keep the nodes")
    page.wait_for_selector(".message-ai.streaming")
    page.evaluate("window.replyNode = document.querySelector('.message-ai.streaming')")
    page.evaluate("window.questionNode = document.querySelector('.message-user')")
    reply = page.locator(".message-ai:not(.streaming):not(.pending)")
    expect(reply.locator(".bubble")).to_have_text(upstream.reply)
    # The reply that streamed is the node that now holds the stored reply, with its actions.
    assert page.evaluate("document.querySelector('.message-ai') === window.replyNode")
    assert page.evaluate("document.querySelector('.message-user') === window.questionNode")
    expect(reply.get_by_role("button", name="Copy message")).to_be_visible()

    upstream.reply = "Another take"
    upstream.stream_chunk_delay = 0
    reply.get_by_role("button", name="Regenerate: write a new version of this reply").click()
    expect(page.locator(".message-ai .version-label")).to_have_text("2/2")
    page.locator(".message-ai").get_by_role("button", name="Previous version").click()
    expect(page.locator(".message-ai .version-label")).to_have_text("1/2")
    expect(page.locator(".message .bubble")).to_have_text(["Keep the nodes", first])
    # Reloading the chat after each action updated the question in place.
    assert page.evaluate("document.querySelector('.message-user') === window.questionNode")


def test_older_messages_go_above_and_keep_the_view(page: Page, services) -> None:  # type: ignore[no-untyped-def]
    token = page.evaluate("JSON.parse(localStorage.getItem('chatbot.session')).access_token")
    headers = {"Authorization": f"Bearer {token}"}
    agent_id = page.evaluate("Number(document.getElementById('agent-select').value)")
    chat = page.request.post(
        f"{services.api_url}/api/agents/{agent_id}/chats", data={}, headers=headers
    ).json()
    for index in range(16):  # 32 messages: two pages of 30
        answered = page.request.post(
            f"{services.api_url}/api/chats/{chat['id']}/messages",
            data={"content": f"Question {index}"},
            headers=headers,
        )
        assert answered.status == 201, answered.text()
    page.reload()
    page.wait_for_selector("body.ready")
    bubbles = page.locator(".message .bubble")
    expect(bubbles).to_have_count(30)
    page.evaluate("window.firstShown = document.querySelector('.message')")

    page.get_by_role("button", name="Load older messages").click()

    expect(bubbles).to_have_count(32)
    expect(bubbles.first).to_have_text("Question 0")
    expect(page.get_by_role("button", name="Load older messages")).to_be_hidden()
    # The message that was first is still a node of the list, and still in sight.
    assert page.evaluate("document.querySelectorAll('.message')[2] === window.firstShown")
    assert page.evaluate("document.getElementById('messages-scroll').scrollTop > 0")
