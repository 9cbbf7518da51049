"""`python -m voice.serve`: hypercorn whose workers each listen on a socket of their own, so
the kernel spreads connections over them instead of the first worker to wake taking a burst."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import httpx

from shared.core.config import Config
from tests.voice.worker import Worker, start_worker
from tests.waiting import wait_until

LISTEN = "0A"  # the TCP state in /proc/net/tcp


def listeners(port: int) -> int:
    """Listening TCP sockets on 127.0.0.1:`port`, whichever process holds them."""
    wanted = f"0100007F:{port:04X}"
    rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(1 for row in rows if row.split()[1] == wanted and row.split()[3] == LISTEN)


def port_of(worker: Worker) -> int:
    return int(worker.base_url.rsplit(":", 1)[1])


def stopped(worker: Worker) -> int:
    worker.process.send_signal(signal.SIGTERM)
    return worker.process.wait(timeout=30)


def test_each_of_two_workers_listens_on_its_own_socket(config: Config) -> None:
    worker = start_worker(config, server=("-m", "voice.serve", "--workers", "2"))
    try:
        # The first worker up answers the health check; the second listens once it has started.
        wait_until(lambda: listeners(port_of(worker)) == 2, within=60)
        for _ in range(20):  # a new connection each time: every one is answered
            response = httpx.get(f"{worker.base_url}/voice/health", headers={"Connection": "close"})
            assert response.status_code == 200
    finally:
        assert stopped(worker) == 0  # hypercorn's own graceful shutdown


def test_plain_hypercorn_workers_share_one_socket(config: Config) -> None:
    # What voice.serve changes: hypercorn's master hands its one socket to every worker.
    worker = start_worker(config, server=("-m", "hypercorn", "--workers", "2"))
    try:
        time.sleep(3)  # time for the second worker to start: still the master's one socket
        assert listeners(port_of(worker)) == 1
    finally:
        stopped(worker)


def test_one_worker_keeps_hypercorn_s_socket(config: Config) -> None:
    worker = start_worker(config, server=("-m", "voice.serve"))
    try:
        assert listeners(port_of(worker)) == 1
        assert httpx.get(f"{worker.base_url}/voice/health").status_code == 200
    finally:
        assert stopped(worker) == 0
