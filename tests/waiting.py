"""Waiting on a condition instead of sleeping a guessed time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


async def eventually(probe: Callable[[], T | None], within: float = 10.0) -> T:
    """The first truthy value of `probe()`, polled for at most `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within} s (last: {value!r})")
        await asyncio.sleep(0.05)


def wait_until(probe: Callable[[], T | None], within: float = 10.0) -> T:
    """`eventually` for synchronous tests: the first truthy value of `probe()`."""
    deadline = time.monotonic() + within
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within} s (last: {value!r})")
        time.sleep(0.05)
