"""The tool servers of this process: their sessions on one asyncio loop in a thread of its own.

Both services reach the hub the same way: the API's sync request threads wait on the
`concurrent.futures.Future` a call returns, the voice service's loop awaits it through
`asyncio.wrap_future`. Sessions are opened once per process (never a process per call) and
started lazily by the first use in the process, so a forking server (gunicorn) starts them in
each worker, not in the parent.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import threading
from dataclasses import dataclass
from typing import Any

import mcp_types

from shared.tools.servers import ToolServer
from shared.tools.sessions import ServerState, ToolInfo, supervise


class ToolUnavailable(Exception):
    """The tool's server is not connected (it is being restarted), or the tool is unknown."""


@dataclass(frozen=True)
class ToolOutput:
    """What a call returned, as text for the model; `failed` when the tool reported an error."""

    text: str
    failed: bool


class ToolHub:
    def __init__(self, servers: dict[str, ToolServer]) -> None:
        self._servers = servers
        self._states: dict[str, ServerState] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closing: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._supervisors: list[asyncio.Task[None]] = []

    @property
    def configured(self) -> bool:
        return bool(self._servers)

    @property
    def ready(self) -> bool:
        """Every server was tried once since the start (its tools are listed, or it failed)."""
        states = list(self._states.values())
        return len(states) == len(self._servers) and all(s.tried.is_set() for s in states)

    def start(self) -> None:
        """Start the loop and every server's supervisor (once; later calls do nothing)."""
        with self._lock:
            if self._thread is not None or not self._servers:
                return
            ready = threading.Event()
            self._thread = threading.Thread(
                target=self._run, args=(ready,), name="tool-hub", daemon=True
            )
            self._thread.start()
            ready.wait()

    def _run(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop, self._closing = loop, asyncio.Event()
        for name, server in self._servers.items():
            state = self._states[name] = ServerState(server)
            self._supervisors.append(loop.create_task(supervise(state, self._closing)))
        ready.set()
        loop.run_forever()

    def wait_ready(self, timeout: float) -> None:
        """Wait (at most `timeout`) until every server was tried once since the start."""
        self.start()
        if self._loop is None or self.ready:
            return

        async def tried() -> None:
            await asyncio.gather(*(state.tried.wait() for state in self._states.values()))

        future = asyncio.run_coroutine_threadsafe(tried(), self._loop)
        try:
            future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()

    def tools(self) -> list[ToolInfo]:
        """Every tool listed by a server, by name (a server being restarted keeps its last)."""
        self.start()
        found = [tool for state in self._states.values() for tool in state.tools]
        return sorted(found, key=lambda tool: tool.name)

    def find(self, names: list[str] | tuple[str, ...]) -> list[ToolInfo]:
        """The tools of `names` that are listed now, in that order."""
        listed = {tool.name: tool for tool in self.tools()}
        return [listed[name] for name in names if name in listed]

    def states(self) -> list[dict[str, Any]]:
        self.start()
        return [self._states[name].view() for name in sorted(self._states)]

    def call(self, tool: ToolInfo, arguments: dict[str, Any]) -> concurrent.futures.Future[Any]:
        """Run `tool` on its server's kept session; cancel the future to cancel the call.
        (The caller bounds it with TOOL_TIMEOUT: `shared/tools/rounds.py`.)"""
        self.start()
        if self._loop is None:
            raise ToolUnavailable(f"No tool server is configured for {tool.name}.")
        return asyncio.run_coroutine_threadsafe(self._call(tool, arguments), self._loop)

    async def _call(self, tool: ToolInfo, arguments: dict[str, Any]) -> ToolOutput:
        state = self._states.get(tool.server)
        session = state.session if state is not None else None
        if state is None or session is None:
            raise ToolUnavailable(f"The tool server {tool.server!r} is not connected.")
        try:
            result = await session.call_tool(tool.tool, arguments)
        except (OSError, EOFError) as exc:  # the server died under the call: check it now
            state.changed.set()
            raise ToolUnavailable(f"The tool server {tool.server!r} failed: {exc}") from exc
        return ToolOutput(as_text(result), bool(result.is_error))

    def close(self) -> None:
        """Stop every session (their processes end) and the loop."""
        loop, closing = self._loop, self._closing
        if loop is None or closing is None:
            return

        async def stop() -> None:
            closing.set()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        self._loop = self._thread = None


def as_text(result: mcp_types.CallToolResult) -> str:
    """A result's text blocks as they are; other blocks (images, resources) as their JSON, and
    the structured content when there is no block at all."""
    parts = []
    for block in result.content:
        if isinstance(block, mcp_types.TextContent):
            parts.append(block.text)
        else:
            parts.append(json.dumps(block.model_dump(mode="json", exclude_none=True)))
    if not parts and result.structured_content is not None:
        parts.append(json.dumps(result.structured_content))
    return "\n".join(parts)


_HUBS: dict[str, ToolHub] = {}
_HUBS_LOCK = threading.Lock()


def hub_for(servers_file: str) -> ToolHub:
    """This process's hub for `servers_file` (one per process; sessions start on first use)."""
    from shared.tools.servers import load_servers

    with _HUBS_LOCK:
        hub = _HUBS.get(servers_file)
        if hub is None:
            hub = _HUBS[servers_file] = ToolHub(load_servers(servers_file))
        return hub
