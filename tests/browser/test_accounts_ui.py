"""Accounts, agents and chat management in a real browser."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def send(page: Page, text: str) -> None:
    page.get_by_label("Message", exact=True).fill(text)
    page.get_by_label("Message", exact=True).press("Enter")


def sign_up(page: Page, username: str = "alice", password: str = "correct horse") -> None:
    page.get_by_role("button", name="Sign up").click()
    dialog = page.locator("#auth-dialog")
    dialog.get_by_label("Username").fill(username)
    dialog.get_by_label("Password").fill(password)
    dialog.get_by_role("button", name="Sign up").click()
    expect(page.locator("#account-name")).to_have_text(username)


def log_in(page: Page, username: str, password: str) -> None:
    page.get_by_role("button", name="Log in").click()
    dialog = page.locator("#auth-dialog")
    dialog.get_by_label("Username").fill(username)
    dialog.get_by_label("Password").fill(password)
    dialog.get_by_role("button", name="Log in").click()


def session(page: Page) -> dict:
    return page.evaluate("JSON.parse(localStorage.getItem('chatbot.session'))")


def test_register_login_logout_switches_whose_chats_show(page: Page, services) -> None:
    send(page, "I am a guest")
    expect(page.locator(".message-ai")).to_have_count(1)

    sign_up(page)
    # The guest's chat moved to the new account.
    expect(page.locator("#chat-list .chat-name")).to_have_text(["I am a guest"])
    page.get_by_role("button", name="New chat", exact=True).click()
    send(page, "I am alice")
    expect(page.locator("#chat-list .chat-name")).to_have_text(["I am alice", "I am a guest"])
    user_tokens = session(page)

    page.get_by_role("button", name="Log out").click()

    expect(page.locator("#account-name")).to_have_text("Guest")
    expect(page.locator("#chat-list .chat-item")).to_have_count(0)
    assert session(page)["kind"] == "guest"
    for token in (user_tokens["access_token"], user_tokens["refresh_token"]):
        me = page.request.get(
            f"{services.api_url}/api/auth/me", headers={"Authorization": f"Bearer {token}"}
        )
        assert me.status == 401

    log_in(page, "alice", "correct horse")

    expect(page.locator("#account-name")).to_have_text("alice")
    expect(page.locator("#chat-list .chat-name")).to_have_text(["I am alice", "I am a guest"])
    expect(page.locator(".message .bubble")).to_have_text(["I am alice", "Echo: I am alice"])


def test_login_with_wrong_password_shows_error(page: Page) -> None:
    log_in(page, "nobody", "wrong password")

    expect(page.locator("#auth-error")).to_have_text("Invalid username or password.")
    expect(page.locator("#account-name")).to_have_text("Guest")


def test_guest_cannot_create_agents(page: Page) -> None:
    expect(page.get_by_role("button", name="New agent")).to_be_disabled()
    expect(page.get_by_text("Sign up to create your own agents.")).to_be_visible()
    expect(page.get_by_role("button", name="Edit agent")).to_be_hidden()


def test_create_edit_and_delete_agent(page: Page) -> None:
    sign_up(page, "bob")
    page.get_by_role("button", name="New agent").click()
    dialog = page.locator("#agent-dialog")
    dialog.get_by_label("Name").fill("Pirate <b>Pete</b>")
    dialog.get_by_label("System prompt").fill("Talk like a pirate.")
    dialog.get_by_label("Description (public, Markdown)").fill("A **salty** sea dog.")
    dialog.get_by_label("Voice").select_option("onyx")
    dialog.get_by_role("button", name="Save").click()

    select = page.get_by_label("Choose an agent")
    expect(select.locator("option:checked")).to_have_text("Pirate <b>Pete</b>")
    expect(page.locator("#agent-description")).to_have_text("A salty sea dog.")
    expect(page.locator("#agent-description strong")).to_have_text("salty")
    send(page, "Ahoy")
    expect(page.locator(".message-ai .bubble")).to_have_text(["Echo: Ahoy"])

    page.get_by_role("button", name="Edit agent").click()
    expect(dialog.get_by_label("Voice")).to_have_value("onyx")
    dialog.get_by_label("Name").fill("Captain Pete")
    dialog.get_by_label("Public (everyone can chat with it)").check()
    dialog.get_by_role("button", name="Save").click()

    expect(select.locator("option:checked")).to_have_text("Captain Pete")
    expect(page.locator("#chat-agent")).to_have_text("with Captain Pete · public")

    page.get_by_role("button", name="Delete agent").click()
    page.locator("#confirm-dialog").get_by_role("button", name="Delete").click()

    expect(select.locator("option", has_text="Captain Pete")).to_have_count(0)
    expect(select.locator("option:checked")).to_have_text("Helpful Assistant")


def test_cancelled_delete_keeps_agent(page: Page) -> None:
    sign_up(page, "carol")
    page.get_by_role("button", name="New agent").click()
    dialog = page.locator("#agent-dialog")
    dialog.get_by_label("Name").fill("Keeper")
    dialog.get_by_label("System prompt").fill("Keep things.")
    dialog.get_by_role("button", name="Save").click()

    page.get_by_role("button", name="Delete agent").click()
    page.locator("#confirm-dialog").get_by_role("button", name="Cancel").click()

    page.reload()
    page.wait_for_selector("body.ready")
    expect(page.get_by_label("Choose an agent").locator("option:checked")).to_have_text("Keeper")


def test_rename_and_delete_chat(page: Page) -> None:
    send(page, "First chat")
    expect(page.locator(".message-ai")).to_have_count(1)
    page.get_by_role("button", name="New chat", exact=True).click()
    expect(page.locator(".message")).to_have_count(0)
    send(page, "Second chat")
    expect(page.locator("#chat-list .chat-name")).to_have_text(["Second chat", "First chat"])

    page.get_by_role("button", name="Rename chat First chat").click()
    page.locator("#rename-dialog").get_by_label("Title").fill("Renamed <i>chat</i>")
    page.locator("#rename-dialog").get_by_role("button", name="Rename").click()
    expect(page.locator("#chat-list .chat-name")).to_have_text(
        ["Second chat", "Renamed <i>chat</i>"]
    )

    page.get_by_role("button", name="Delete chat Second chat").click()
    page.locator("#confirm-dialog").get_by_role("button", name="Delete").click()

    expect(page.locator("#chat-list .chat-name")).to_have_text(["Renamed <i>chat</i>"])
    expect(page.locator("#chat-title")).to_have_text("Renamed <i>chat</i>")
    expect(page.locator(".message .bubble")).to_have_text(["First chat", "Echo: First chat"])


SIGN_UP_WHILE_A_GUEST_REQUEST_FAILS = """async () => {
  const m = await import('/assets/js/api.js');
  const realFetch = window.fetch;
  let other = null;
  window.fetch = (url, options) => {
    // A request the guest sent while signing up: its claim ends the guest's tokens, so this
    // one is refused with 401 and the guest's refresh fails too.
    if (String(url).endsWith('/api/auth/login') && other === null) other = m.api('/api/chats');
    return realFetch(url, options);
  };
  try {
    await m.register('racer', 'correct horse');
    await other.catch(() => null);
  } finally {
    window.fetch = realFetch;
  }
  return m.currentSession().kind;
}"""


def test_a_guest_request_refused_during_sign_up_never_replaces_the_new_account(
    page: Page,
) -> None:
    def slow(route) -> None:
        time.sleep(1.5)  # the lost guest's replacement arrives after the sign-in
        route.continue_()

    page.route("**/api/auth/guest", slow)

    assert page.evaluate(SIGN_UP_WHILE_A_GUEST_REQUEST_FAILS) == "user"
    page.wait_for_timeout(2000)  # the replacement guest has answered by now
    assert page.evaluate("JSON.parse(localStorage.getItem('chatbot.session')).kind") == "user"
