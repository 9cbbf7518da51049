"""The stack's floor: what gunicorn, Flask and the SDK cost for one reply, with nothing else.

`bench.floor:create_app()` is served by bin/run-local as it serves the API (gunicorn gthread,
keep-alive 75 s, the same workers x threads) and answers with the API's own chat provider
(the SDK on the keep-alive transport, shared/providers). Its one route reads a JSON body, asks
the upstream and returns the reply as JSON with 201: no database, no token, no log line, no
metrics, no schema. A text turn cannot cost less than this on the SPEC's stack; what it costs
above the floor is the product's own work (auth, budgets, six statements, serialization,
logging).
"""

from __future__ import annotations

import subprocess
from collections.abc import Awaitable, Callable

import httpx
from flask import Flask, request

from bench.client import ms
from bench.harness import Harness
from bench.services import ROOT, wait_port, worker_pids
from bench.textturn import cpu_per_call
from shared.core.config import Config
from shared.providers.registry import chat_provider

ROUTE = "/floor/reply"


def create_app() -> Flask:
    provider = chat_provider(Config.from_env())
    app = Flask(__name__)

    @app.post(ROUTE)
    def reply() -> tuple[dict[str, str], int]:
        body = request.get_json()
        result = provider.reply([{"role": "user", "content": str(body["content"])}])
        return {"content": result.text}, 201

    return app


def serve(bench: Harness, port: int) -> subprocess.Popen[bytes]:
    """The floor app on `port`, started by bin/run-local exactly as it starts the API (the same
    gunicorn settings, API_WORKERS / API_THREADS honoured); its voice service on `port + 1`."""
    env = {"API_APP": "bench.floor:create_app()", "API_PORT": str(port)}
    env["VOICE_PORT"] = str(port + 1)
    return bench.stack.spawn([str(ROOT / "bin" / "run-local")], "floor.log", env)


async def measure(bench: Harness, port: int) -> dict[str, str]:
    """The floor measured as the text turn is: sequential and c=8 overhead over a direct SDK
    call, its workers' CPU per reply at c=8, its throughput at c=32 with a 0 ms upstream."""
    server = serve(bench, port)
    try:
        wait_port(port, timeout=30)
        url = f"http://127.0.0.1:{port}{ROUTE}"

        async def post() -> httpx.Response:
            return await bench.http.post(url, json={"content": "hello there"})

        return await measured(bench, "floor", post, 201, worker_pids(server, "gunicorn"))
    finally:
        bench.stack.end(server)


async def measured(
    bench: Harness,
    name: str,
    post: Callable[[], Awaitable[httpx.Response]],
    ok: int,
    pids: list[int],
) -> dict[str, str]:
    """An endpoint (`post` answers `ok`) measured as the text turn is: `{name}_seq_p50`,
    `_c8_p50`, `_c8_p99` overhead over a direct SDK call, `_cpu` of `pids` per request at c=8
    and `_throughput` at c=32 with a 0 ms upstream."""

    async def call() -> None:
        response = await post()
        if response.status_code != ok:
            raise RuntimeError(f"{name}: {response.status_code} {response.text[:200]}")

    bench.stack.set_upstream(latency=bench.latency, endpoint_latency={})
    figures = {}
    for concurrency, key in ((1, "seq"), (8, "c8")):
        p50, p99 = await bench.paired_overhead([call] * concurrency, name)
        figures[f"{name}_{key}_p50"], figures[f"{name}_{key}_p99"] = ms(p50), ms(p99)
    (cpu,) = await cpu_per_call([call] * 8, bench.sizes.overhead_turns, pids)
    figures[f"{name}_cpu"] = f"{cpu:.2f} ms"
    throughput = await bench.sustained([post] * 32, name, ok)
    figures[f"{name}_throughput"] = f"{throughput:.0f} /s"
    return figures
