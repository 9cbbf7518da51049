"""Browser tests: the real API (gunicorn) and voice service (hypercorn) on loopback ports,
driven by Debian's headless Chromium through Playwright. Chromium's fake microphone plays a
WAV made at test time; the fake OpenAI upstream answers everything.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from shared.core.config import ROOT
from tests.conftest import TEST_SECRET
from tests.fake_openai import FakeOpenAIServer, tone_wav
from tests.shared.tools.servers import serve_http

playwright_sync = pytest.importorskip("playwright.sync_api")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
VOICE_APP = ROOT / "voice" / "asgi.py"


@dataclass
class Services:
    api_url: str
    voice_url: str | None  # None while the voice service does not exist yet


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(
    url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 30
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited early:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not become healthy:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@pytest.fixture(scope="session")
def browser_tools_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One MCP server over streamable HTTP (an SDK server in this process) for the services."""
    url, server = serve_http()
    path = tmp_path_factory.mktemp("tools") / "servers.json"
    path.write_text(json.dumps({"mcpServers": {"calc": {"url": url}}}))
    yield str(path)
    server.should_exit = True


@pytest.fixture(scope="session")
def services(
    database_url: str,
    fake_openai: FakeOpenAIServer,
    tmp_path_factory: pytest.TempPathFactory,
    browser_tools_file: str,
) -> Iterator[Services]:
    with running_services(database_url, fake_openai, tmp_path_factory, browser_tools_file) as up:
        yield up


@contextlib.contextmanager
def running_services(
    database_url: str,
    fake_openai: FakeOpenAIServer,
    tmp_path_factory: pytest.TempPathFactory,
    browser_tools_file: str,
    **settings: str,
) -> Iterator[Services]:
    """The API, the voice service and the worker, as `make run` starts them; `settings` are
    extra environment variables (a module that needs another configuration starts its own)."""
    logs = tmp_path_factory.mktemp("service-logs")
    api_port, voice_port = free_port(), free_port()
    api_url, voice_url = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{voice_port}"
    # WITHOUT_VOICE=1 tests the UI's fallback to the API alone (and skips the voice tests).
    has_voice = VOICE_APP.exists() and os.environ.get("WITHOUT_VOICE") != "1"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "JWT_SECRET_KEY": TEST_SECRET,
        "OPENAI_API_KEY": "test-key",
        "OPENAI_BASE_URL": fake_openai.base_url,
        "PROVIDER_TIMEOUT": "5",
        "PROVIDER_MAX_RETRIES": "0",
        "PUBLIC_API_URL": api_url,
        "PUBLIC_VOICE_URL": voice_url if has_voice else "",
        "CORS_ORIGINS": f"{api_url},{voice_url}",
        "TOOL_SERVERS_FILE": browser_tools_file,
        "KNOWLEDGE_QUEUE_PATH": str(logs / "knowledge-queue.db"),
        # Rate limits stay on, raised: every test page is a new guest from the same address.
        **{
            f"RATE_LIMIT_{name}": "1000/minute"
            for name in (
                "REPLIES",
                "REPLIES_PER_IP",
                "GUEST_TOKENS",
                "REGISTER",
                "LOGIN_PER_IP",
                "LOGIN_PER_USER",
            )
        },
        **settings,
    }
    bin_dir = Path(sys.executable).parent
    commands = [
        (
            [
                str(bin_dir / "gunicorn"),
                "--bind",
                f"127.0.0.1:{api_port}",
                "--workers",
                "1",
                "--threads",
                "8",
                "api.wsgi:app",
            ],
            f"{api_url}/api/health",
            "api",
        )
    ]
    if has_voice:
        commands.append(
            (
                [str(bin_dir / "hypercorn"), "--bind", f"127.0.0.1:{voice_port}", "voice.asgi:app"],
                f"{voice_url}/voice/health",
                "voice",
            )
        )
    processes = []
    try:
        for command, health, name in commands:
            log = logs / f"{name}.log"
            process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
            )
            processes.append(process)
            wait_healthy(health, process, log)
        # The background worker beside them, as `make run` starts it (knowledge files).
        worker = [sys.executable, "-m", "flask", "--app", "api", "worker"]
        log = (logs / "worker.log").open("wb")
        processes.append(
            subprocess.Popen(worker, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        )
        yield Services(api_url=api_url, voice_url=voice_url if has_voice else None)
    finally:
        for process in processes:
            stop(process)


@pytest.fixture(scope="session")
def speech_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A short spoken phrase (espeak-ng when installed, else a tone) for the fake microphone."""
    path = tmp_path_factory.mktemp("audio") / "speech.wav"
    espeak = shutil.which("espeak-ng")
    if espeak:
        subprocess.run(
            [espeak, "-w", str(path), "Hello there, what can you do for me today?"],
            check=True,
            capture_output=True,
            timeout=30,
        )
    else:
        path.write_bytes(tone_wav(seconds=2.0))
    with wave.open(str(path)) as audio:  # fails loudly if the file is not a WAV
        assert audio.getnframes() > 0
    return path


# Per module, not per session: Playwright's sync API keeps an event loop running in this thread
# while it is started, which would break the async (pytest-asyncio) tests that run later.
@pytest.fixture(scope="module")
def browser(speech_wav: Path) -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    with playwright_sync.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[*CHROMIUM_ARGS, f"--use-file-for-fake-audio-capture={speech_wav}"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: object, services: Services, upstream: object) -> Iterator[object]:
    """A fresh page (empty localStorage) on the UI served by the API, at desktop size."""
    context = browser.new_context(viewport=DESKTOP)  # type: ignore[attr-defined]
    context.grant_permissions(["microphone"], origin=services.api_url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            errors.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(f"{services.api_url}/")
    page.wait_for_selector("body.ready")
    yield page
    # Let a turn in flight finish: closing mid-turn would cut a server request short.
    page.wait_for_function("() => !document.getElementById('send-button').disabled")
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
