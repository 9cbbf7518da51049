"""The worker: `flask --app api worker` ingests what the API queued; a worker killed mid-file
leaves the file to be taken again (never stuck in `processing`); a lost message is queued
again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from api import deps
from api.extensions import db
from shared.core.config import ROOT
from shared.core.db import utcnow
from shared.knowledge.ingest import claim
from shared.knowledge.models import KnowledgeFile
from tests.api.test_agents import create_agent
from tests.api.test_knowledge_files import upload
from tests.conftest import Headers, MakeApp
from tests.knowledge_files import pdf_file


@pytest.fixture
def queue_path(tmp_path: Path) -> str:
    return str(tmp_path / "queue.db")


@pytest.fixture
def app(make_app: MakeApp, queue_path: str) -> Flask:
    return make_app(knowledge_queue_path=queue_path)


def status_of(app: Flask, file_id: int) -> str:
    with app.app_context():
        db.session.remove()
        return str(db.session.get(KnowledgeFile, file_id).status)  # type: ignore[union-attr]


def wait_for(app: Flask, file_id: int, wanted: set[str], seconds: float = 60) -> str:
    deadline = time.monotonic() + seconds
    while (status := status_of(app, file_id)) not in wanted:
        assert time.monotonic() < deadline, f"still {status}"
        time.sleep(0.05)
    return status


@pytest.fixture
def start_worker(database_url: str, queue_path: str) -> Iterator[Any]:
    started: list[subprocess.Popen[bytes]] = []

    def _start() -> subprocess.Popen[bytes]:
        env = {**os.environ, "DATABASE_URL": database_url, "KNOWLEDGE_QUEUE_PATH": queue_path}
        env["APP_ENV"] = "test"
        env.pop("REDIS_URL", None)
        worker = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "api", "worker"],
            cwd=ROOT, env=env, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        started.append(worker)
        return worker

    yield _start
    for worker in started:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(10)


def test_the_worker_process_ingests_what_the_api_queued(
    client: FlaskClient, app: Flask, auth_headers: Headers, start_worker: Any
) -> None:
    agent = create_agent(client, auth_headers)
    made = upload(client, auth_headers, agent["id"], b"Llamas hum when content.").json
    start_worker()
    assert wait_for(app, made["id"], {"ready", "failed"}) == "ready"


def test_a_worker_killed_mid_file_leaves_it_to_be_taken_again(
    client: FlaskClient, app: Flask, auth_headers: Headers, start_worker: Any
) -> None:
    agent = create_agent(client, auth_headers)
    pages = [f"Page {n}: " + "Routine text about valves and filters. " * 40 for n in range(150)]
    made = upload(client, auth_headers, agent["id"], pdf_file(pages), "big.pdf").json
    worker = start_worker()
    wait_for(app, made["id"], {"processing"})
    os.killpg(worker.pid, signal.SIGKILL)  # the worker and its extraction child, mid-file
    worker.wait(10)
    assert status_of(app, made["id"]) == "processing"
    with app.app_context():  # its lease runs out (as it would, later)
        db.session.execute(
            sa.update(KnowledgeFile).values(lease_until=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
    start_worker()  # takes the file again at start
    assert wait_for(app, made["id"], {"ready", "failed"}) == "ready"


def test_lease_and_lost_messages(client: FlaskClient, app: Flask, auth_headers: Headers) -> None:
    agent = create_agent(client, auth_headers)
    first = upload(client, auth_headers, agent["id"], b"one").json
    second = upload(client, auth_headers, agent["id"], b"two").json
    with app.app_context():
        queue = deps.knowledge_queue()
        queue.huey.flush()  # both messages lost
        with queue.sessions()() as session:
            assert claim(session, first["id"], 600)  # a live worker holds the first
            assert not claim(session, first["id"], 600)  # no one else takes it meanwhile
            session.execute(
                sa.update(KnowledgeFile)
                .where(KnowledgeFile.id == second["id"])
                .values(updated_at=utcnow() - timedelta(hours=1))
            )
            session.commit()
        assert queue.requeue_stale() == [second["id"]]
        assert queue.drain() == 1
    assert status_of(app, second["id"]) == "ready"
    assert status_of(app, first["id"]) == "processing"  # still its worker's, within the lease
