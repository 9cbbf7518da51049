"""gunicorn settings module (`gunicorn -c python:api.gunicorn_hooks`): settings checked once at
start, metrics of dead workers.

In Prometheus multi-process mode (PROMETHEUS_MULTIPROC_DIR) each worker writes its own sample
files; when gunicorn replaces a worker, its live gauges (active streams) must stop counting.
"""

from __future__ import annotations

import sys
from typing import Any

from shared.core.config_check import EXIT_CONFIG, config_problem
from shared.core.metrics import worker_exited


def on_starting(_server: Any) -> None:
    """Refuse a bad setting in one line before any worker starts (each would print a traceback,
    and gunicorn would stop only after the first one failed)."""
    problem = config_problem()
    if problem is not None:
        print(problem, file=sys.stderr)
        sys.exit(EXIT_CONFIG)


def child_exit(_server: Any, worker: Any) -> None:
    worker_exited(int(worker.pid))
