"""gunicorn settings module (`gunicorn -c python:api.gunicorn_hooks`): metrics of dead workers.

In Prometheus multi-process mode (PROMETHEUS_MULTIPROC_DIR) each worker writes its own sample
files; when gunicorn replaces a worker, its live gauges (active streams) must stop counting.
"""

from __future__ import annotations

from typing import Any

from shared.core.metrics import worker_exited


def child_exit(_server: Any, worker: Any) -> None:
    worker_exited(int(worker.pid))
