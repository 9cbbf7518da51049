"""`/metrics` in Prometheus format: parsed with the Prometheus text parser, it counts what
happened; it is off the public path (only METRICS_ALLOW addresses may read it)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from api import create_app
from shared.core.config import ROOT, Config
from tests.conftest import Headers
from tests.fake_openai import Behaviour, Failure

Labels = dict[str, str]


def sample(text: str, name: str, **labels: str) -> float:
    """The value of sample `name` whose labels include `labels` (0 when absent)."""
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and labels.items() <= found.labels.items():
                return float(found.value)
    return 0.0


def scrape(client: FlaskClient) -> str:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    return response.get_data(as_text=True)


def test_metrics_count_a_request_by_route_and_status(client: FlaskClient) -> None:
    route = {"service": "api", "route": "/api/health", "method": "GET", "status": "200"}
    before = sample(scrape(client), "chatbot_http_requests_total", **route)
    assert client.get("/api/health").status_code == 200
    after = scrape(client)
    assert sample(after, "chatbot_http_requests_total", **route) == before + 1
    latency = {"service": "api", "route": "/api/health"}
    assert sample(after, "chatbot_http_request_duration_seconds_count", **latency) >= 1
    missing = {"service": "api", "route": "unmatched", "status": "404"}
    client.get("/no/such/page")
    assert sample(scrape(client), "chatbot_http_requests_total", **missing) >= 1


def test_metrics_count_tokens_provider_calls_and_quota_refusals(
    config: Config, guest: Callable[[], Any], new_chat: Callable[..., Any]
) -> None:
    client = create_app(config.replace(quota_guest_tokens_per_day=1)).test_client()
    headers: Headers = guest()["headers"]
    chat = new_chat(headers)
    before = scrape(client)
    path = f"/api/chats/{chat['id']}/messages"
    assert client.post(path, json={"content": "one two"}, headers=headers).status_code == 201
    assert client.post(path, json={"content": "again"}, headers=headers).status_code == 429
    after = scrape(client)
    model = {"model": Config().openai_chat_model}
    completion = sample(after, "chatbot_tokens_total", kind="completion", **model)
    assert completion - sample(before, "chatbot_tokens_total", kind="completion", **model) == 3
    llm = {"stage": "llm", "provider": "openai"}
    calls = "chatbot_provider_duration_seconds_count"
    assert sample(after, calls, **llm) == sample(before, calls, **llm) + 1
    refusals = "chatbot_quota_refusals_total"
    assert sample(after, refusals, budget="guest") == sample(before, refusals, budget="guest") + 1


def test_metrics_are_hidden_from_addresses_not_allowed(config: Config) -> None:
    client = create_app(config.replace(metrics_allow=("10.0.0.0/8",))).test_client()
    refused = client.get("/metrics")
    assert refused.status_code == 404 and refused.json["code"] == 404
    allowed = create_app(config.replace(metrics_allow=("127.0.0.0/8",))).test_client()
    assert allowed.get("/metrics").status_code == 200


WORKER = """
from shared.core import metrics
metrics.observe_request("api", "GET", "/api/health", 200, 0.01)
metrics.ACTIVE_STREAMS.inc()
"""
READER = """
from shared.core import metrics
print(metrics.exposition()[0].decode())
"""


def test_metrics_add_up_every_worker_in_multiprocess_mode(tmp_path: Path) -> None:
    env = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}

    def run(code: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    run(WORKER)
    run(WORKER)
    text = run(READER)
    route = {"service": "api", "route": "/api/health", "status": "200"}
    assert sample(text, "chatbot_http_requests_total", **route) == 2
    assert sample(text, "chatbot_http_request_duration_seconds_count", route="/api/health") == 2


def test_metrics_count_provider_errors_by_stage(
    client: FlaskClient, guest_headers: Headers, new_chat: Callable[..., Any], upstream: Behaviour
) -> None:
    failed = {"stage": "llm", "provider": "openai", "status": "502"}
    before = sample(scrape(client), "chatbot_provider_errors_total", **failed)
    upstream.fail_next("chat", Failure(status=500))
    chat = new_chat(guest_headers)
    path = f"/api/chats/{chat['id']}/messages"
    assert client.post(path, json={"content": "hi"}, headers=guest_headers).status_code == 502
    after = sample(scrape(client), "chatbot_provider_errors_total", **failed)
    assert after == before + 1


def test_made_up_methods_and_paths_add_no_series(client: FlaskClient) -> None:
    before = scrape(client)
    for index in range(30):
        client.open(f"/api/chats/{index}/x{index}", method=f"FOOBAR{index}")
        client.open("/api/health", method=f"MADEUP{index}")
    after = scrape(client)
    assert "FOOBAR" not in after and "MADEUP" not in after and "/x1" not in after
    other = {"service": "api", "method": "other"}
    assert sample(after, "chatbot_http_requests_total", **other, route="unmatched") >= 30
    series = [line for line in after.splitlines() if line.startswith("chatbot_http_requests")]
    grown = len(series) - len(
        [line for line in before.splitlines() if line.startswith("chatbot_http_requests")]
    )
    assert grown <= 6  # the "other" method's routes and statuses, not one per request
