"""With no OpenAI key, the page says which local engine writes the replies, and it answers."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from shared.core.config import ROOT
from tests.browser.conftest import DESKTOP, free_port, stop, wait_healthy
from tests.conftest import TEST_SECRET
from tests.fake_local_llm import FakeLocalServer

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def local_api(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The API with no OpenAI key and an Ollama-style server on LOCAL_LLM_URL; yields its URL."""
    server = FakeLocalServer().start()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "JWT_SECRET_KEY": TEST_SECRET,
        "OPENAI_API_KEY": "",
        "LLM_PROVIDER": "auto",
        "STT_PROVIDER": "offline",
        "TTS_PROVIDER": "offline",
        "LOCAL_LLM_URL": server.base_url,
        "PUBLIC_API_URL": url,
        "PUBLIC_VOICE_URL": "",
        "RATE_LIMIT_ENABLED": "false",
    }
    log = tmp_path_factory.mktemp("local-api") / "api.log"
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    command = [gunicorn, "--bind", f"127.0.0.1:{port}", "--workers", "1", "api.wsgi:app"]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )
    try:
        wait_healthy(f"{url}/api/health", process, log)
        yield url
    finally:
        stop(process)
        server.stop()


@pytest.fixture
def local_page(browser: object, local_api: str) -> Iterator[Page]:
    context = browser.new_context(viewport=DESKTOP)  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{local_api}/")
    page.wait_for_selector("body.ready")
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def test_provider_status_names_local_server(local_page: Page) -> None:
    status = local_page.locator("#provider-status")

    expect(status).to_contain_text("Replies: local server (llama3.2:1b)")
    expect(status).to_have_attribute(
        "title", re.compile(r"^Replies: local server \(llama3\.2:1b\),")
    )


def test_local_server_answers_a_guest(local_page: Page) -> None:
    local_page.get_by_label("Message", exact=True).fill("Hello local")
    local_page.get_by_label("Message", exact=True).press("Enter")

    expect(local_page.locator(".message-ai .bubble")).to_have_text(["local: Hello local"])
