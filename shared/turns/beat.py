"""One beat per process for every reply it is writing: their text saved, their stops noticed.

Every `SAVE_INTERVAL` while replies are written here, one transaction saves the text of each
reply that grew since the last beat and finds those stopped by another process (the API's stop,
another worker's), whose writers are then told at once (`Running.stop`). A reply is thus saved
and checked as often as before, but fifty replies written at once cost one transaction a beat,
not a hundred (a save and a check each).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from shared.turns import replies
from shared.turns.live import LiveHub

log = logging.getLogger(__name__)
Run = Callable[..., Awaitable[Any]]


class Beat:
    def __init__(self, run: Run, hub: LiveHub, interval: float = replies.SAVE_INTERVAL) -> None:
        """`run(work, *args)`: `work(session, *args)` in a transaction of its own."""
        self.run = run
        self.hub = hub
        self.interval = interval
        self.task: asyncio.Task[None] | None = None

    def keep(self) -> None:
        """Beat while any reply is written here (call when one starts)."""
        if self.task is None or self.task.done():
            self.task = self.hub.launch(self._beating())

    async def _beating(self) -> None:
        while self.hub.running:
            await asyncio.sleep(self.interval)
            try:
                await self.once()
            except Exception:  # the database went away: the finish will tell; beat again
                log.exception("replies being written could not be saved")

    async def once(self) -> None:
        running = dict(self.hub.running)
        grown = {
            reply_id: live.text
            for reply_id, live in running.items()
            if len(live.text) != live.saved
        }
        gone = await self.run(replies.beat, grown, list(running)) if running else set()
        for reply_id, text in grown.items():
            running[reply_id].saved = len(text)
        for reply_id in gone:
            running[reply_id].stop.set()
