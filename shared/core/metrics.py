"""Prometheus metrics of both services (prometheus-client), one set of names for both.

With PROMETHEUS_MULTIPROC_DIR set (gunicorn and hypercorn with several workers) every worker
writes its samples to files in that directory and `/metrics` adds them up; without it the
process's own registry is served. Who may read `/metrics` is METRICS_ALLOW (addresses or
networks; loopback by default), so the public proxy never needs to expose it.
"""

from __future__ import annotations

import ipaddress
import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

REQUESTS = Counter(
    "chatbot_http_requests", "HTTP requests answered", ["service", "method", "route", "status"]
)
REQUEST_LATENCY = Histogram(
    "chatbot_http_request_duration_seconds",
    "Time to answer an HTTP request (a stream: until its response started)",
    ["service", "route"],
    buckets=LATENCY_BUCKETS,
)
PROVIDER_LATENCY = Histogram(
    "chatbot_provider_duration_seconds",
    "Time an AI provider call took, by stage (llm, stt, tts)",
    ["stage", "provider"],
    buckets=LATENCY_BUCKETS,
)
PROVIDER_ERRORS = Counter(
    "chatbot_provider_errors", "AI provider calls that failed", ["stage", "provider", "status"]
)
TOKENS = Counter("chatbot_tokens", "LLM tokens spent", ["model", "kind"])
ACTIVE_STREAMS = Gauge(
    "chatbot_active_streams", "Streamed replies being generated now", multiprocess_mode="livesum"
)
QUOTA_REFUSALS = Counter(
    "chatbot_quota_refusals", "Turns refused because a token budget was spent", ["budget"]
)


# Labels come from fixed sets: a client can send any method (`curl -X FOOBAR`), and every new
# label value is a new series in every worker's metrics file.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def method_label(method: str) -> str:
    return method if method in METHODS else "other"


def observe_request(service: str, method: str, route: str, status: int, seconds: float) -> None:
    """Count a request; `route` is its URL rule's template (or "unmatched"), never a path."""
    labels = {"service": service, "method": method_label(method), "route": route}
    REQUESTS.labels(**labels, status=str(status)).inc()
    REQUEST_LATENCY.labels(service=service, route=route).observe(seconds)


def count_tokens(model: str, prompt_tokens: int, completion_tokens: int) -> None:
    TOKENS.labels(model=model, kind="prompt").inc(prompt_tokens)
    TOKENS.labels(model=model, kind="completion").inc(completion_tokens)


def exposition() -> tuple[bytes, str]:
    """The text exposition of every worker's metrics, and its content type."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def may_read(ip: str | None, allowed: tuple[str, ...]) -> bool:
    """Whether a client address is in METRICS_ALLOW (addresses or CIDR networks)."""
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        return False
    for entry in allowed:
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def worker_exited(pid: int) -> None:
    """For gunicorn's `child_exit` hook: drop a dead worker's live gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(pid)
