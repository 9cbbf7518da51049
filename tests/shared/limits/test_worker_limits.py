"""Honest limits with several workers: shared through REDIS_URL, otherwise divided per process."""

from __future__ import annotations

import logging

import pytest
import redis
import yaml
from flask import Flask

from shared.core.config import ROOT, Config
from shared.limits.ratelimit import storage_url
from tests.conftest import MakeApp

MY_REDIS = "redis://127.0.0.1:6379/13"  # this issue's own database index


def guest_statuses(app: Flask, count: int, ip: str = "10.0.0.2") -> list[int]:
    client = app.test_client()
    environ = {"REMOTE_ADDR": ip}
    return [client.post("/api/auth/guest", environ_base=environ).status_code for _ in range(count)]


def test_in_memory_limits_are_divided_among_workers(make_app: MakeApp) -> None:
    two_workers = make_app(workers=2, rate_limit_guest_tokens="4/minute")
    assert guest_statuses(two_workers, 3) == [201, 201, 429]  # each process allows 4 / 2
    assert guest_statuses(make_app(rate_limit_guest_tokens="4/minute"), 5)[-1] == 429


def test_per_process_limits_are_announced_once_at_start(
    make_app: MakeApp, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="shared.limits.ratelimit"):
        make_app(workers=3, rate_limit_replies="30/minute")
    notes = [r.getMessage() for r in caplog.records if "per process" in r.getMessage()]
    assert len(notes) == 1
    assert "3 workers" in notes[0] and "10 per 1 minute" in notes[0]


def test_redis_url_shares_limits_across_workers_without_dividing(
    config: Config, make_app: MakeApp, caplog: pytest.LogCaptureFixture
) -> None:
    try:
        redis.Redis.from_url(MY_REDIS).flushdb()
    except redis.ConnectionError:
        pytest.fail("Redis must run on 127.0.0.1:6379 for this test")
    shared = {"redis_url": MY_REDIS, "workers": 2, "rate_limit_guest_tokens": "4/minute"}
    assert storage_url(config.replace(**shared)) == MY_REDIS
    with caplog.at_level(logging.WARNING, logger="shared.limits.ratelimit"):
        first = guest_statuses(make_app(**shared), 2, ip="10.0.0.3")
        second = guest_statuses(make_app(**shared), 3, ip="10.0.0.3")  # another process
    assert first + second == [201, 201, 201, 201, 429]
    assert not [r for r in caplog.records if "per process" in r.getMessage()]


def test_compose_gives_both_services_redis() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for service in ("api", "voice"):
        assert compose["services"][service]["environment"]["REDIS_URL"].startswith("redis://")
