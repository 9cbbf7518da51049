"""A well-known LLM gateway beside the text turn: LiteLLM's proxy, measured the same way.

LiteLLM's proxy forwards an OpenAI-style request to the upstream and stores nothing (no
database configured here); the text turn also authenticates, checks budgets and stores both
messages and the charge. Both ask the same fake upstream and are measured by the same loops
(bench/floor.py `measured`): overhead over a direct SDK call, CPU per request of all the
gateway's processes at c=8, throughput at c=32.

LiteLLM is not a dependency of this project: install it in a virtual environment of its own
and name its `litellm` command in BENCH_LITELLM, e.g.
`python3 -m venv /tmp/litellm && /tmp/litellm/bin/pip install 'litellm[proxy]'`, then
`BENCH_LITELLM=/tmp/litellm/bin/litellm python -m bench.run --only gateway`.
Without BENCH_LITELLM the scenario is skipped.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess

import httpx

from bench.floor import measured
from bench.harness import Harness
from bench.services import children, terminate, wait_port

MODEL = "gpt-4o-mini"
# Two worker processes, as the API (gunicorn) has.
WORKERS = 2


def config(upstream: str) -> dict[str, object]:
    """One model routed to the bench's upstream; no database, no callbacks, no telemetry."""
    route = {"model": f"openai/{MODEL}", "api_base": upstream, "api_key": "sk-bench-not-a-secret"}
    return {
        "model_list": [{"model_name": MODEL, "litellm_params": route}],
        "litellm_settings": {"drop_params": True, "telemetry": False},
    }


def serve(bench: Harness, command: str, port: int, key: str) -> subprocess.Popen[bytes]:
    """LiteLLM's proxy on `port`, its output in the stack's log directory. The services'
    DATABASE_URL is left out: given one, the proxy would store spend in it."""
    path = bench.stack.workdir / "litellm.json"  # YAML is a superset of JSON
    path.write_text(json.dumps(config(bench.stack.upstream)))
    env = {name: value for name, value in bench.stack.env().items() if name != "DATABASE_URL"}
    env |= {
        "LITELLM_MASTER_KEY": key,
        # The cost map ships with the package; no download at start.
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "LITELLM_LOG": "ERROR",
    }
    args = [command, "--config", str(path), "--port", str(port), "--num_workers", str(WORKERS)]
    with open(bench.stack.workdir / "litellm.log", "ab") as log:
        return subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)


async def measure(bench: Harness, port: int, notes: list[str]) -> dict[str, str]:
    """The gateway's figures (`gateway_*`), or none when BENCH_LITELLM names no command."""
    command = os.environ.get("BENCH_LITELLM")
    if not command:
        notes.append("gateway: skipped (BENCH_LITELLM names no litellm command)")
        return {}
    key = f"sk-{secrets.token_hex(16)}"
    server = serve(bench, command, port, key)
    try:
        wait_port(port, timeout=120)
        url = f"http://127.0.0.1:{port}/v1/chat/completions"
        body = {"model": MODEL, "messages": [{"role": "user", "content": "hello there"}]}
        headers = {"Authorization": f"Bearer {key}"}

        async def post() -> httpx.Response:
            return await bench.http.post(url, json=body, headers=headers)

        processes = [server.pid, *children(server.pid)]
        processes += [pid for parent in processes[1:] for pid in children(parent)]
        return await measured(bench, "gateway", post, 200, processes)
    finally:
        terminate(server)
