"""Abuse limits shared by both services, on the `limits` library (the core of flask-limiter).

Each rule is checked per identity (user, guest, client IP, username). Counters live in memory by
default, or in Redis (REDIS_URL, or RATE_LIMIT_STORAGE_URL), so every process and replica of
both services shares them. The API uses the sync limiter, the voice service the asyncio one.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Literal

from limits import RateLimitItem, parse
from limits.aio import strategies as async_strategies
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from shared.auth.access import Caller
from shared.core.config import Config

log = logging.getLogger(__name__)
RuleName = Literal[
    "reply",
    "reply_ip",
    "guest_token",
    "register",
    "login_ip",
    "login_user",
    "import",
    "import_ip",
    "search",
    "search_ip",
]


class Throttled(Exception):
    """Too many requests; answered with 429 and `Retry-After`."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


MESSAGES: dict[RuleName, str] = {
    "reply": "You are sending messages too fast.",
    "import": "You are importing chats too often.",
    "import_ip": "Too many chat imports from your network.",
    "search": "You are searching too fast.",
    "search_ip": "Too many searches from your network.",
    "reply_ip": "Too many messages from your network.",
    "guest_token": "Too many guest sessions from your network.",
    "register": "Too many accounts created from your network.",
    "login_ip": "Too many login attempts from your network.",
    "login_user": "Too many login attempts for this account.",
}


def storage_url(config: Config) -> str:
    """Where counters live: RATE_LIMIT_STORAGE_URL, else REDIS_URL, else this process's memory."""
    return config.rate_limit_storage_url or config.redis_url or "memory://"


def process_share(config: Config) -> int:
    """How many processes split each limit: 1 with shared storage, else WORKERS."""
    return 1 if not storage_url(config).startswith("memory") else config.workers


def per_process(item: RateLimitItem, share: int) -> RateLimitItem:
    """`item` divided among `share` processes (at least one request each)."""
    if share <= 1:
        return item
    return type(item)(max(1, item.amount // share), item.multiples, item.namespace)


def announce_storage(config: Config, service: str) -> None:
    """Say once, at start, when limits are counted per process."""
    share = process_share(config)
    if config.rate_limit_enabled and share > 1:
        log.warning(
            "%s rate limits are counted per process (no REDIS_URL): each of %d workers allows "
            "1/%d of every configured limit, e.g. %s of %s replies",
            service,
            share,
            share,
            per_process(parse(config.rate_limit_replies), share),
            config.rate_limit_replies,
        )


@dataclass(frozen=True)
class Rules:
    items: dict[RuleName, RateLimitItem]

    @classmethod
    def from_config(cls, config: Config) -> Rules:
        share = process_share(config)
        rates: dict[RuleName, str] = {
            "reply": config.rate_limit_replies,
            "reply_ip": config.rate_limit_replies_per_ip,
            "guest_token": config.rate_limit_guest_tokens,
            "register": config.rate_limit_register,
            "login_ip": config.rate_limit_login_per_ip,
            "login_user": config.rate_limit_login_per_user,
            "import": config.rate_limit_imports,
            "import_ip": config.rate_limit_imports_per_ip,
            "search": config.rate_limit_searches,
            "search_ip": config.rate_limit_searches_per_ip,
        }
        return cls({rule: per_process(parse(rate), share) for rule, rate in rates.items()})


def caller_key(caller: Caller) -> str:
    return f"guest:{caller.guest_id}" if caller.is_guest else f"user:{caller.user_id}"


def reply_checks(caller: Caller, ip: str) -> list[tuple[RuleName, str]]:
    """A reply-generating request counts against the caller and the client's IP."""
    return [("reply", caller_key(caller)), ("reply_ip", f"ip:{ip}")]


def import_checks(caller: Caller, ip: str) -> list[tuple[RuleName, str]]:
    """A chat import counts against the caller and the client's IP."""
    return [("import", caller_key(caller)), ("import_ip", f"ip:{ip}")]


def search_checks(caller: Caller, ip: str) -> list[tuple[RuleName, str]]:
    """A search counts against the caller and the client's IP."""
    return [("search", caller_key(caller)), ("search_ip", f"ip:{ip}")]


def throttled(rule: RuleName, reset_time: float) -> Throttled:
    retry_after = max(1, math.ceil(reset_time - time.time()))
    return Throttled(f"{MESSAGES[rule]} Try again in {retry_after} s.", retry_after)


class RateLimiter:
    """The sync limiter used by the API."""

    def __init__(self, config: Config) -> None:
        self.enabled = config.rate_limit_enabled
        self.rules = Rules.from_config(config)
        self.strategy = MovingWindowRateLimiter(storage_from_string(storage_url(config)))
        announce_storage(config, "API")

    def hit(self, checks: list[tuple[RuleName, str]]) -> None:
        """Count one request against every (rule, key); raise Throttled if any is exhausted."""
        if not self.enabled:
            return
        for rule, key in checks:
            item = self.rules.items[rule]
            if not self.strategy.hit(item, rule, key):
                stats = self.strategy.get_window_stats(item, rule, key)
                raise throttled(rule, stats.reset_time)


class AsyncRateLimiter:
    """The asyncio limiter used by the voice service, on the same storage and rules."""

    def __init__(self, config: Config) -> None:
        self.enabled = config.rate_limit_enabled
        self.rules = Rules.from_config(config)
        url = storage_url(config).removeprefix("async+")
        # redis-py's asyncio client, the same library the sync side uses.
        options = {"implementation": "redispy"} if url.startswith("redis") else {}
        storage = storage_from_string(f"async+{url}", **options)
        self.strategy = async_strategies.MovingWindowRateLimiter(storage)
        announce_storage(config, "Voice")

    async def hit(self, checks: list[tuple[RuleName, str]]) -> None:
        if not self.enabled:
            return
        for rule, key in checks:
            item = self.rules.items[rule]
            if not await self.strategy.hit(item, rule, key):
                stats = await self.strategy.get_window_stats(item, rule, key)
                raise throttled(rule, stats.reset_time)
