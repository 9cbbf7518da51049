"""Failed logins back off per (username, client IP) and per client IP, never per username
alone: guessing alice's password from one network never locks alice out of another.

Each failure is counted (for an hour after the first) per pair and per IP. Past a threshold
every further failure starts a lock of 1, 2, 4, ... seconds (at most LOGIN_BACKOFF_MAX_SECONDS)
during which that pair or IP gets 429 without the password being checked. A correct password
clears the pair's count. Counters live in the rate limit storage (Redis when configured), so
every API worker and replica sees the same ones.
"""

from __future__ import annotations

import math
import time
from typing import cast

from limits.storage import Storage, storage_from_string

from shared.core.config import Config
from shared.limits.ratelimit import Throttled, process_share, storage_url

FAILURE_WINDOW_SECONDS = 3600
LOCKED = {
    "pair": "Too many failed logins for this account from your network.",
    "ip": "Too many failed logins from your network.",
}


def backoff_seconds(failures_over: int, cap: int) -> int:
    """The lock after the `failures_over`-th failure past the threshold (0 = the first)."""
    return min(2 ** min(failures_over, 30), cap)


class LoginGuard:
    def __init__(self, config: Config, storage: Storage | None = None) -> None:
        self.enabled = config.rate_limit_enabled
        self.storage = storage or cast(Storage, storage_from_string(storage_url(config)))
        share = process_share(config)  # counted per process without shared storage
        self.threshold = {
            "pair": max(1, config.login_backoff_after // share),
            "ip": max(1, config.login_backoff_after_per_ip // share),
        }
        self.cap = config.login_backoff_max_seconds

    @staticmethod
    def scopes(username: str, ip: str) -> dict[str, str]:
        return {"pair": f"{username}|{ip}", "ip": ip}

    def check(self, username: str, ip: str) -> None:
        """Raise Throttled (429) while a lock runs for this pair or this IP."""
        if not self.enabled:
            return
        for scope, key in self.scopes(username, ip).items():
            lock = f"login_lock:{scope}:{key}"
            if self.storage.get(lock) > 0:
                retry_after = max(1, math.ceil(self.storage.get_expiry(lock) - time.time()))
                raise Throttled(f"{LOCKED[scope]} Try again in {retry_after} s.", retry_after)

    def failed(self, username: str, ip: str) -> None:
        """Count a wrong password; past the threshold, lock with a doubling backoff."""
        if not self.enabled:
            return
        for scope, key in self.scopes(username, ip).items():
            failures = self.storage.incr(f"login_fail:{scope}:{key}", FAILURE_WINDOW_SECONDS)
            over = failures - self.threshold[scope]
            if over >= 0:
                lock = f"login_lock:{scope}:{key}"
                self.storage.incr(lock, backoff_seconds(over, self.cap))

    def succeeded(self, username: str, ip: str) -> None:
        if self.enabled:
            self.storage.clear(f"login_fail:pair:{self.scopes(username, ip)['pair']}")
