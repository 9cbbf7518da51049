"""The image's entry point outside a container: the worker's health check and racing migrations.

bin/image-check runs the same in containers (PostgreSQL's advisory lock, four replicas at once);
these run in the suite on every machine.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from shared.core.db import sync_url

ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT = ROOT / "bin" / "entrypoint"


def healthcheck(tmp_path: Path, *role: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TMPDIR": str(tmp_path), "PORT": "9"}  # port 9: nothing answers there
    return subprocess.run(
        [str(ENTRYPOINT), "healthcheck", *role], env=env, capture_output=True, text=True, timeout=30
    )


@pytest.fixture
def worker_process() -> Iterator[subprocess.Popen[bytes]]:
    """A process whose command line names the worker, as `exec flask --app api worker` would."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "worker"])
    yield process
    process.kill()
    process.wait()


def test_worker_health_is_its_process(
    tmp_path: Path, worker_process: subprocess.Popen[bytes]
) -> None:
    (tmp_path / "chatbot-role").write_text(f"worker {worker_process.pid}\n")
    assert healthcheck(tmp_path).returncode == 0
    assert healthcheck(tmp_path, "worker").returncode == 0
    worker_process.kill()
    worker_process.wait()
    dead = healthcheck(tmp_path)
    assert dead.returncode == 1
    assert "no worker process" in dead.stderr


def test_worker_health_fails_in_another_roles_container(
    tmp_path: Path, worker_process: subprocess.Popen[bytes]
) -> None:
    # An api container's state names its port, not a pid: asking it for a worker must fail
    # even when some process with that number happens to exist.
    (tmp_path / "chatbot-role").write_text(f"api {worker_process.pid}\n")
    assert healthcheck(tmp_path, "worker").returncode == 1
    assert healthcheck(tmp_path).returncode == 1  # the api's /health: nothing listens on port 9


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[str]:
    """A new, empty database: a fresh one next to TEST_DATABASE_URL's on PostgreSQL."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgres"):
        # SQLite serialises writers by itself, so racing there proves nothing about the lock.
        pytest.skip("the advisory lock is PostgreSQL's (TEST_DATABASE_URL)")
    server = sa.engine.make_url(sync_url(url))
    name = f"{server.database}_migrate_race_{os.getpid()}"
    admin = sa.create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.slow
def test_replicas_migrating_at_once_migrate_once(tmp_path: Path, empty_database: str) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": empty_database,
        "APP_ENV": "development",
        "TMPDIR": str(tmp_path),
        # The entry point runs `python`: this venv's, as in the image.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    runs = [
        subprocess.Popen(
            [str(ENTRYPOINT), "migrate"], env=env, cwd=ROOT, stderr=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    logs = [run.communicate(timeout=240)[1] for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], logs
    # One of them ran the migrations; the others waited for the lock and found nothing to do.
    assert sum("Running upgrade" in log for log in logs) == 1, logs
    engine = sa.create_engine(empty_database, poolclass=sa.pool.NullPool)
    with engine.connect() as db:
        assert db.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar() == 1
        anonymous = "SELECT count(*) FROM users WHERE username = 'anonymous'"
        assert db.execute(sa.text(anonymous)).scalar() == 1
