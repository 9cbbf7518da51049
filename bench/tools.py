"""The tool loop's own cost: a text turn with one tool call beside one without.

In one process: the API app (Flask test client, a migrated SQLite file), the fake upstream on
loopback asking for one call of `calc__add`, and a real MCP server over streamable HTTP (the
SDK's, in a thread). Each turn's time is split into the upstream (inside the chat provider's
`reply`, the SDK included), the tool (the MCP call, waited for by the engine) and the rest:
the engine's own time. The engine's time per tool round is the difference of the medians of
the two kinds of turn (target <= 5 ms). Prints figures; asserts nothing.

    python -m bench.tools [--turns 40]      (`make bench` runs it after the service table)
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from flask_migrate import upgrade

from api import create_app, deps
from shared.core.config import ROOT, Config
from shared.tools import running
from tests.fake_openai import FakeOpenAIServer
from tests.shared.tools.servers import serve_http

SECRET = "bench-secret-that-is-long-enough-for-hs256-0123456789"


class Stopwatch:
    """Time spent inside wrapped calls (the upstream's, the tool's), and when each ran."""

    def __init__(self) -> None:
        self.spent = 0.0
        self.calls: list[tuple[float, float]] = []

    def reset(self) -> None:
        self.spent, self.calls = 0.0, []

    def wrap(self, call: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                ended = time.perf_counter()
                self.spent += ended - started
                self.calls.append((started, ended))

        return timed


class Provider:
    """The app's chat provider with its `reply` timed (everything else passed through)."""

    def __init__(self, inner: Any, watch: Stopwatch) -> None:
        self._inner = inner
        self.reply = watch.wrap(inner.reply)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def app_for(workdir: Path, upstream: FakeOpenAIServer, tools_url: str) -> Flask:
    servers = workdir / "servers.json"
    servers.write_text(json.dumps({"mcpServers": {"calc": {"url": tools_url}}}))
    config = Config(
        database_url=f"sqlite:///{workdir / 'bench.db'}",
        jwt_secret_key=SECRET,
        openai_api_key="bench",
        openai_base_url=upstream.base_url,
        rate_limit_enabled=False,
        tool_servers_file=str(servers),
    )
    app = create_app(config)
    logging.getLogger("chatbot.requests").setLevel(logging.WARNING)  # a line per turn otherwise
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
    return app


def chat_of(app: Flask, tools: list[str]) -> tuple[str, dict[str, str]]:
    """A new user's chat with an agent offering `tools`: its messages path and headers."""
    client = app.test_client()
    login = {"username": f"bench{len(tools)}", "password": "correct horse"}
    client.post("/api/auth/register", json=login)
    token = client.post("/api/auth/login", json=login).json["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    body = {"name": "B", "prompt": "Bench.", "tools": tools}
    agent = client.post("/api/agents", json=body, headers=headers).json
    chat = client.post(f"/api/agents/{agent['id']}/chats", json={}, headers=headers).json
    return f"/api/chats/{chat['id']}/messages", headers


@dataclass
class Figures:
    plain: list[float] = field(default_factory=list)
    tooled: list[float] = field(default_factory=list)
    rounds: list[float] = field(default_factory=list)


def measure(app: Flask, turns: int) -> Figures:
    """Turns without and with one tool call, alternated (a noisy machine moves both alike):
    each turn's time minus the upstream's and the tool's, and the time between a tool turn's
    two upstream calls minus the tool's (the engine's tool round), in ms."""
    client = app.test_client()
    plain, tooled = chat_of(app, []), chat_of(app, ["calc__add"])
    upstream, tool = Stopwatch(), Stopwatch()
    services = deps.services_of(app)
    services.chat_provider = Provider(services.chat_provider, upstream)  # type: ignore[assignment]
    original = running.run
    running.run = tool.wrap(original)  # type: ignore[assignment]
    figures = Figures()
    try:
        for index in range(turns + 3):  # the first three of each warm caches and sessions
            for (path, headers), kept in ((plain, figures.plain), (tooled, figures.tooled)):
                upstream.reset()
                tool.reset()
                started = time.perf_counter()
                response = client.post(path, json={"content": "add"}, headers=headers)
                took = time.perf_counter() - started
                assert response.status_code == 201, response.json
                if index < 3:
                    continue
                kept.append((took - upstream.spent - tool.spent) * 1000)
                if len(upstream.calls) == 2:
                    between = upstream.calls[1][0] - upstream.calls[0][1]
                    figures.rounds.append((between - tool.spent) * 1000)
    finally:
        running.run = original  # type: ignore[assignment]
    return figures


def tools_table(turns: int = 40) -> str:
    upstream = FakeOpenAIServer().start()
    url, tool_server = serve_http()
    try:
        with tempfile.TemporaryDirectory() as workdir:
            app = app_for(Path(workdir), upstream, url)
            upstream.behaviour.record_requests = False
            # Asked for only when tools are offered: the plain agent's turns get none.
            upstream.behaviour.tool_calls = [{"name": "calc__add", "arguments": {"a": 2, "b": 3}}]
            figures = measure(app, turns)
    finally:
        tool_server.should_exit = True
        upstream.stop()
    base, tooled = statistics.median(figures.plain), statistics.median(figures.tooled)
    load = os.getloadavg()[0]
    return "\n".join(
        [
            f"Tool loop (in process, SQLite, {turns} turns each, load {load:.1f}; upstream and "
            "tool time excluded)",
            f"  turn without tools, engine p50:         {base:6.2f} ms",
            f"  turn with one tool call, engine p50:    {tooled:6.2f} ms",
            f"  engine time per tool round, p50:        {statistics.median(figures.rounds):6.2f} ms"
            "  (target <= 5 ms; between the two upstream calls, minus the tool)",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=40)
    print(tools_table(parser.parse_args().turns))


if __name__ == "__main__":
    main()
