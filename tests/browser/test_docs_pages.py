"""The Swagger UI pages work under their CSP: the spec renders and nothing is blocked."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Services

pytestmark = pytest.mark.browser


@pytest.fixture
def docs_page(browser: object) -> Iterator[tuple[Page, list[str]]]:
    context = browser.new_context()  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(10_000)
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security" in m.text else None)
    page.on("pageerror", lambda error: blocked.append(str(error)))
    yield page, blocked
    context.close()


@pytest.mark.parametrize("path", ["/api/docs", "/voice/docs"])
def test_docs_page_renders_under_its_csp(
    docs_page: tuple[Page, list[str]], services: Services, path: str
) -> None:
    page, blocked = docs_page
    base = services.api_url if path.startswith("/api") else services.voice_url
    if base is None:
        pytest.skip("the voice service is not running")
    page.goto(f"{base}{path}")
    expect(page.locator(".swagger-ui .info .title")).to_be_visible()
    expect(page.locator(".opblock").first).to_be_visible()
    assert blocked == []
