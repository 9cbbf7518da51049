"""The beat's own rules, without a database (shared/turns/beat.py): it runs while replies are
written, saves only what grew, and a failed beat is logged and tried again."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from shared.turns import replies
from shared.turns.beat import Beat
from shared.turns.live import LiveHub


class Ledger:
    """Stands in for `Writer.run`: records each beat's work; fails the first `failures`."""

    def __init__(self, failures: int = 0, gone: set[int] | None = None) -> None:
        self.calls: list[tuple[dict[int, str], list[int]]] = []
        self.failures = failures
        self.gone = gone or set()
        self.twice = asyncio.Event()

    async def run(self, work: Any, grown: dict[int, str], running: list[int]) -> set[int]:
        assert work is replies.beat
        self.calls.append((dict(grown), list(running)))
        if len(self.calls) >= 2:
            self.twice.set()
        if self.failures:
            self.failures -= 1
            raise ConnectionError("database went away")
        return self.gone & set(running)


async def test_only_the_text_that_grew_is_saved_and_a_stop_found_is_signalled() -> None:
    hub, ledger = LiveHub(), Ledger(gone={2})
    beat = Beat(ledger.run, hub)
    one, two = hub.start(1), hub.start(2)
    one.text, two.text = "Hello", "Hi"
    await beat.once()
    one.text += " there"
    await beat.once()
    await beat.once()

    assert ledger.calls == [
        ({1: "Hello", 2: "Hi"}, [1, 2]),
        ({1: "Hello there"}, [1, 2]),
        ({}, [1, 2]),  # nothing grew: only the check for stops
    ]
    assert two.stop.is_set() and not one.stop.is_set()


async def test_a_failed_beat_is_logged_and_the_next_one_saves(
    caplog: pytest.LogCaptureFixture,
) -> None:
    hub, ledger = LiveHub(), Ledger(failures=1)
    beat = Beat(ledger.run, hub, interval=0.01)
    hub.start(7).text = "kept"
    beat.keep()
    await asyncio.wait_for(ledger.twice.wait(), 1)
    hub.running.clear()  # the reply ended: the beat stops with it
    assert beat.task is not None
    await asyncio.wait_for(beat.task, 1)

    assert ledger.calls[0] == ledger.calls[1] == ({7: "kept"}, [7])  # saved again after failing
    assert any("could not be saved" in r.getMessage() for r in caplog.records)
    assert all(r.levelno == logging.ERROR for r in caplog.records if "saved" in r.getMessage())


async def test_no_beat_runs_while_nothing_is_written() -> None:
    hub, ledger = LiveHub(), Ledger()
    beat = Beat(ledger.run, hub, interval=0.01)
    beat.keep()
    assert beat.task is not None
    await asyncio.wait_for(beat.task, 1)
    assert ledger.calls == []
