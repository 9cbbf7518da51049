"""A real voice worker in its own process (hypercorn), so a test can read its peak memory."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from shared.core.config import ROOT, Config
from tests.voice.conftest import free_port

MIB = 1024 * 1024


@dataclass
class Worker:
    base_url: str
    process: subprocess.Popen[bytes]

    def peak_rss(self) -> int:
        """The worker's peak resident memory so far, in bytes (Linux VmHWM)."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
        raise AssertionError("VmHWM not reported")


def worker_environment(config: Config, stt_provider: str) -> dict[str, str]:
    return {
        **os.environ,
        "APP_ENV": "test",
        "DATABASE_URL": config.database_url,
        "JWT_SECRET_KEY": config.jwt_secret_key,
        "OPENAI_API_KEY": config.openai_api_key,
        "OPENAI_BASE_URL": config.openai_base_url,
        "STT_PROVIDER": stt_provider,
        "RATE_LIMIT_ENABLED": "false",
    }


def start_worker(
    config: Config, stt_provider: str = "openai", server: tuple[str, ...] = ("-m", "hypercorn")
) -> Worker:
    """`server` (hypercorn, or `-m voice.serve` with its options) serving the voice app."""
    port = free_port()
    command = [sys.executable, *server, "voice.asgi:app", "-b", f"127.0.0.1:{port}"]
    process = subprocess.Popen(
        command, cwd=ROOT, env=worker_environment(config, stt_provider), stderr=subprocess.DEVNULL
    )
    worker = Worker(f"http://127.0.0.1:{port}", process)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{worker.base_url}/voice/health").status_code == 200:
                return worker
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("the voice worker did not start")


@pytest.fixture
def voice_worker(config: Config) -> Iterator[Worker]:
    worker = start_worker(config, stt_provider="offline")
    yield worker
    worker.process.terminate()
    worker.process.wait(timeout=30)
