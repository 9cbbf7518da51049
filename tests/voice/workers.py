"""Voice workers for tests that need more than one: in this event loop, or as a process of its
own (another hypercorn sharing the database, the fake upstream and, optionally, Redis)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from hypercorn.asyncio import serve
from hypercorn.config import Config as HypercornConfig

from shared.core.config import ROOT, Config
from tests.voice.conftest import free_port
from voice import create_app

Event = tuple[str, dict[str, Any]]


async def wait_until_up(base_url: str, process: subprocess.Popen[bytes] | None = None) -> None:
    async with httpx.AsyncClient() as probe:
        for _ in range(400):
            if process is not None and process.poll() is not None:
                raise RuntimeError("the worker process exited")
            try:
                if (await probe.get(f"{base_url}/voice/health")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
    raise RuntimeError(f"{base_url} did not come up")


@asynccontextmanager
async def worker_here(config: Config) -> AsyncIterator[str]:
    """The voice app served by hypercorn in this event loop; yields its base URL."""
    port = free_port()
    settings = HypercornConfig()
    settings.bind = [f"127.0.0.1:{port}"]
    settings.accesslog = None
    stopped = asyncio.Event()
    server = asyncio.create_task(
        serve(create_app(config), settings, shutdown_trigger=stopped.wait)  # type: ignore[arg-type]
    )
    base_url = f"http://127.0.0.1:{port}"
    await wait_until_up(base_url)
    try:
        yield base_url
    finally:
        stopped.set()
        await server


def environment(config: Config) -> dict[str, str]:
    names = ("database_url", "jwt_secret_key", "openai_api_key", "openai_base_url",
             "provider_timeout", "provider_max_retries", "redis_url", "rate_limit_replies",
             "rate_limit_replies_per_ip")  # fmt: skip
    return {
        **os.environ,
        **{name.upper(): str(getattr(config, name)) for name in names},
    }


def start_process(config: Config) -> tuple[subprocess.Popen[bytes], str]:
    """Another voice worker process on the same database; returns it and its base URL."""
    port = free_port()
    # --workers 0: serve in this very process, so killing it kills the worker.
    command = [sys.executable, "-m", "hypercorn", "voice.asgi:app", "--workers", "0"]
    command += ["--bind", f"127.0.0.1:{port}"]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=environment(config),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return process, f"http://127.0.0.1:{port}"


@asynccontextmanager
async def worker_process(config: Config) -> AsyncIterator[tuple[subprocess.Popen[bytes], str]]:
    process, base_url = start_process(config)
    try:
        await wait_until_up(base_url, process)
        yield process, base_url
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=10)


async def read_events(response: httpx.Response) -> AsyncIterator[Event]:
    """Server-sent events of a streamed response, as they arrive."""
    name = ""
    async for line in response.aiter_lines():
        if line.startswith("event: "):
            name = line[len("event: ") :]
        elif line.startswith("data: "):
            yield name, json.loads(line[len("data: ") :])
