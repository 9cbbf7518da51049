"""The voice service's server: hypercorn, each worker listening on a socket of its own.

`python -m voice.serve` takes hypercorn's own command line (`python -m voice.serve --workers 2
--bind 0.0.0.0:8001 voice.asgi:app`) and runs hypercorn's own master: its options, signals,
graceful shutdown and worker restarts are unchanged. One thing differs. hypercorn's master binds
one socket that every worker accepts from, and asyncio accepts up to `backlog` connections at
each wake-up, so under a burst the first worker to wake takes most of them: measured on 2
workers, 50 voice turns at once cost one worker 1.5 s of CPU and the other 0.7 s, and long
streams stay where they landed. Here, with more than one worker on TCP addresses, each worker
binds its own socket with SO_REUSEPORT (hypercorn sets it when there are several workers) and
the kernel spreads new connections over the workers by their addresses. The master's sockets
stay bound but never listen, so no connection waits on them.
"""

from __future__ import annotations

import platform
import sys
from typing import Any

import hypercorn.run
from hypercorn.__main__ import main as hypercorn_main
from hypercorn.config import Config

_hypercorn_populate = hypercorn.run._populate


def own_sockets(config: Config) -> bool:
    """Whether each worker should bind its own sockets: several workers, TCP only, on Linux
    (where SO_REUSEPORT balances connections; elsewhere it may not)."""
    binds = [*config.bind, *config.insecure_bind, *config.quic_bind]
    tcp = all(not bind.startswith(("unix:", "fd://")) for bind in binds)
    return config.workers > 1 and tcp and platform.system() == "Linux"


def _populate(
    processes: list[Any],
    config: Config,
    worker_func: Any,
    sockets: Any,
    shutdown_event: Any,
    ctx: Any,
) -> None:
    # A worker given no sockets creates its own (hypercorn's asyncio `worker_serve`).
    mine = None if own_sockets(config) else sockets
    _hypercorn_populate(processes, config, worker_func, mine, shutdown_event, ctx)  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> int:
    hypercorn.run._populate = _populate
    return hypercorn_main(argv)


if __name__ == "__main__":
    sys.exit(main())
