"""The admin page in a real browser: an admin sees the accounts and disables one."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from api.extensions import db
from shared.core.models import UsageEvent, UsageKind
from tests.api.test_admin import make_admin
from tests.browser.test_accounts_ui import log_in, send, session

pytestmark = pytest.mark.browser


def register(page: Page, api_url: str, username: str, password: str) -> None:
    response = page.request.post(
        f"{api_url}/api/auth/register", data={"username": username, "password": password}
    )
    assert response.status == 201


def test_admin_page_lists_accounts_and_disables_one(page: Page, services, app: Flask) -> None:
    register(page, services.api_url, "boss", "boss-password-1")
    register(page, services.api_url, "victim", "victim-password-1")
    make_admin(app, "boss")
    victim = page.request.post(
        f"{services.api_url}/api/auth/login",
        data={"username": "victim", "password": "victim-password-1"},
    ).json()
    expect(page.get_by_role("button", name="Admin")).to_be_hidden()  # a guest is no admin

    log_in(page, "boss", "boss-password-1")
    page.get_by_role("button", name="Admin").click()
    rows = page.locator("#admin-users tr")
    expect(rows).to_have_count(2)
    expect(rows.locator("td:first-child")).to_have_text(["boss", "victim"])
    page.get_by_label("Search accounts").fill("vic")
    expect(rows).to_have_count(1)

    page.get_by_role("button", name="Disable victim").click()
    row = page.locator('#admin-users tr[data-username="victim"]')
    expect(row.locator(".admin-status")).to_have_text("user, disabled")
    expect(page.get_by_role("button", name="Enable victim")).to_be_visible()
    me = page.request.get(
        f"{services.api_url}/api/auth/me",
        headers={"Authorization": f"Bearer {victim['access_token']}"},
    )
    assert me.status == 401
    page.get_by_label("Search accounts").fill("")
    page.get_by_role("button", name="Revoke admin from boss").click()
    expect(page.locator("#admin-error")).to_contain_text("last administrator")
    page.locator("#admin-dialog").get_by_role("button", name="Close").click()


def spend(app: Flask, guest_id: str, tokens: int) -> None:
    """Tokens this guest spent earlier today (as the ledger records a turn)."""
    with app.app_context():
        db.session.add(
            UsageEvent(
                guest_id=guest_id, client_ip="127.0.0.1", kind=UsageKind.LLM, prompt_tokens=tokens
            )
        )
        db.session.commit()


def test_usage_notice_appears_near_the_guest_budget(page: Page, app: Flask) -> None:
    send(page, "hello")
    expect(page.locator(".message-ai")).to_have_count(1)
    expect(page.locator("#usage-notice")).to_be_hidden()  # far from the 20,000-token budget
    guest_id = session(page)["guest_id"]
    spend(app, guest_id, 19_000)
    send(page, "hello again")
    expect(page.locator(".message-ai")).to_have_count(2)
    expect(page.locator("#usage-notice")).to_contain_text("tokens left in the guest daily budget")
    spend(app, guest_id, 1_000)
    send(page, "one more")
    expect(page.locator("#error-text")).to_contain_text("The daily budget for guests")
    expect(page.locator("#usage-notice")).to_contain_text("You have used the guest daily budget")


def test_usage_by_model_shows_speech_in_its_own_units(page: Page, services, app: Flask) -> None:
    register(page, services.api_url, "counter", "counter-password-1")
    make_admin(app, "counter")
    with app.app_context():
        db.session.add_all(
            [
                UsageEvent(client_ip="127.0.0.1", kind=UsageKind.LLM, model="chat-one",
                           prompt_tokens=7, completion_tokens=3),
                *[UsageEvent(client_ip="127.0.0.1", kind=UsageKind.LLM, model="chat-two",
                             prompt_tokens=1000, completion_tokens=500) for _ in range(2)],
                UsageEvent(client_ip="127.0.0.1", kind=UsageKind.TTS, model="voice-tts",
                           speech_characters=1),
                UsageEvent(client_ip="127.0.0.1", kind=UsageKind.STT, model="ear-stt",
                           speech_seconds=3.5),
            ]
        )  # fmt: skip
        db.session.commit()

    log_in(page, "counter", "counter-password-1")
    page.get_by_role("button", name="Admin").click()
    usage = page.locator("#admin-usage li")
    expect(usage.filter(has_text="chat-one")).to_have_text("chat-one: 10 tokens in 1 reply")
    expect(usage.filter(has_text="chat-two")).to_have_text("chat-two: 3,000 tokens in 2 replies")
    expect(usage.filter(has_text="voice-tts")).to_have_text("voice-tts: 1 character spoken")
    expect(usage.filter(has_text="ear-stt")).to_have_text(
        "ear-stt: 3.5 seconds of speech transcribed"
    )
    page.locator("#admin-dialog").get_by_role("button", name="Close").click()
