"""Applying the shared abuse limits to API requests."""

from __future__ import annotations

from flask import request

from api.deps import rate_limiter
from shared.limits.ratelimit import RuleName


def client_ip() -> str:
    """The client's address (ProxyFix rewrites it when PROXY_HOPS trusts a reverse proxy)."""
    return request.remote_addr or "unknown"


def throttle(checks: list[tuple[RuleName, str]]) -> None:
    """Count this request against each (rule, key); raises Throttled (429) when over a limit."""
    rate_limiter().hit(checks)
