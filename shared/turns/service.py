"""A service's start and stop, as far as replies go: the relay it uses, and no reply left
pending by a process that is gone."""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa

from shared.core.config import Config
from shared.core.db import utcnow
from shared.turns import replies, store
from shared.turns.generation import Writer
from shared.turns.live import Relay

log = logging.getLogger(__name__)


def relay_for(config: Config) -> Relay | None:
    """Redis pub/sub when REDIS_URL is set; otherwise replies are followed within a process
    (and, from other processes, through the stored content)."""
    if not config.redis_url:
        return None
    from shared.turns.relay import RedisRelay

    return RedisRelay(config.redis_url)


def stale_after(config: Config) -> timedelta:
    """No reply is written longer than this without saving: the provider's bound plus slack."""
    bound = config.provider_timeout * (config.provider_max_retries + 1)
    return timedelta(seconds=bound + 2 * replies.SAVE_INTERVAL)


async def close_stale(writer: Writer, config: Config) -> int:
    """At start: close replies a stopped process left pending (as failed, `interrupted`).

    A database that is down does not stop the service from starting (health reports it).
    """
    before = utcnow() - stale_after(config)
    try:
        return await writer.run(store.stale_before, before, replies.INTERRUPTED)
    except (sa.exc.OperationalError, sa.exc.InterfaceError, OSError):
        log.warning("could not close stale pending replies: database unavailable")
        return 0
