"""Applying the shared abuse limits to API requests."""

from __future__ import annotations

from typing import cast

from flask import current_app, request

from shared.login_guard import LoginGuard
from shared.ratelimit import RateLimiter, RuleName


def client_ip() -> str:
    """The client's address (ProxyFix rewrites it when PROXY_HOPS trusts a reverse proxy)."""
    return request.remote_addr or "unknown"


def throttle(checks: list[tuple[RuleName, str]]) -> None:
    """Count this request against each (rule, key); raises Throttled (429) when over a limit."""
    cast(RateLimiter, current_app.extensions["rate_limiter"]).hit(checks)


def login_guard() -> LoginGuard:
    return cast(LoginGuard, current_app.extensions["login_guard"])
