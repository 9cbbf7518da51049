"""A bad setting reads as one line and exit 2, never a traceback (issue 32)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from shared.core.config import ROOT


def run(args: list[str], **settings: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("APP_ENV", "FLASK_ENV")}
    env.update(settings)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


FLASK = ["-m", "flask", "--app", "api"]


@pytest.mark.parametrize(
    ("settings", "said"),
    [
        ({"APP_ENV": "production", "JWT_SECRET_KEY": ""}, "JWT_SECRET_KEY must be set"),
        ({"APP_ENV": "development", "MAX_PAGE_SIZE": "0"}, "MAX_PAGE_SIZE: Input should be"),
    ],
)
def test_flask_command_with_a_bad_setting_prints_one_line(
    settings: dict[str, str], said: str
) -> None:
    done = run([*FLASK, "create-superuser", "--username", "x", "--password", "x" * 12], **settings)

    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("Error: configuration error: ") and said in lines[0]


def test_the_services_check_prints_one_line() -> None:
    done = run(["-m", "shared.core.config_check"], APP_ENV="production", JWT_SECRET_KEY="short")

    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "configuration error: JWT_SECRET_KEY must be at least 32 characters in production"
    ]


def test_the_services_check_passes_a_good_setting() -> None:
    done = run(["-m", "shared.core.config_check"], APP_ENV="development")

    assert (done.returncode, done.stderr) == (0, "")


def test_gunicorn_refuses_a_bad_setting_before_any_worker() -> None:
    gunicorn = [
        "-m",
        "gunicorn",
        "-c",
        "python:api.gunicorn_hooks",
        "--bind",
        "127.0.0.1:0",
        "api.wsgi:app",
    ]
    done = run(gunicorn, APP_ENV="production", JWT_SECRET_KEY="")

    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "configuration error: JWT_SECRET_KEY must be set" in done.stderr
