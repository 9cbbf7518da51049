"""When an agent goes private, another person's open chat with it says why it stopped."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Services

pytestmark = pytest.mark.browser


def owner_with_public_agent(api_url: str) -> tuple[dict[str, str], int]:
    credentials = {"username": "ui-owner", "password": "pass-word-1"}
    httpx.post(f"{api_url}/api/auth/register", json=credentials)
    token = httpx.post(f"{api_url}/api/auth/login", json=credentials).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    agent = {"name": "Soon private", "prompt": "Be brief.", "is_public": True}
    created = httpx.post(f"{api_url}/api/agents", json=agent, headers=headers)
    assert created.status_code == 201
    return headers, int(created.json()["id"])


def send(page: Page, text: str) -> None:
    page.get_by_label("Message", exact=True).fill(text)
    page.get_by_label("Message", exact=True).press("Enter")


def test_chat_whose_agent_went_private_shows_why(page: Page, services: Services) -> None:
    headers, agent_id = owner_with_public_agent(services.api_url)
    page.reload()
    page.wait_for_selector("body.ready")
    page.get_by_label("Choose an agent").select_option(str(agent_id))
    send(page, "Hello")
    expect(page.locator(".message-ai .bubble")).to_have_text(["Echo: Hello"])

    unpublish = httpx.patch(
        f"{services.api_url}/api/agents/{agent_id}", json={"is_public": False}, headers=headers
    )
    assert unpublish.status_code == 200
    send(page, "Still there?")

    expect(page.locator("#error-banner")).to_be_visible()
    expect(page.locator("#error-text")).to_contain_text("no longer available")
