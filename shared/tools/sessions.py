"""One MCP server's session, opened once and kept: restarted with backoff when it dies, its
tool list cached and refreshed (on `notifications/tools/list_changed`, and periodically).

Runs on the hub's own asyncio loop (shared/tools/hub.py). The SDK's transports are context
managers bound to the task that entered them, so each server lives in one supervising task.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx2
import mcp_types
from mcp import ClientSession
from mcp.client._transport import TransportStreams
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

from shared.tools.servers import HttpServer, StdioServer, ToolServer, public_name

# Restarts wait 1, 2, 4, ... seconds, at most this long, between attempts.
MAX_BACKOFF = 60.0
# A kept session is pinged this often (a dead server is noticed and restarted) and its tool
# list read again every REFRESH_EVERY pings.
PING_EVERY = 15.0
REFRESH_EVERY = 20
# A tool list is read in pages; a server listing more than this many pages is cut there.
MAX_PAGES = 20
# A stdio server finds its command on this PATH unless its entry names its own PATH.
DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin"


@dataclass(frozen=True)
class ToolInfo:
    """A tool as GET /api/tools lists it and the model is offered it."""

    name: str
    server: str
    tool: str
    description: str
    input_schema: dict[str, Any]


@dataclass
class ServerState:
    server: ToolServer
    connected: bool = False
    tools: tuple[ToolInfo, ...] = ()
    last_error: str | None = None
    restarts: int = 0
    session: ClientSession | None = None
    tried: asyncio.Event = field(default_factory=asyncio.Event)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def view(self) -> dict[str, Any]:
        transport = "stdio" if isinstance(self.server, StdioServer) else "streamable-http"
        return {
            "name": self.server.name,
            "transport": transport,
            "connected": self.connected,
            "tool_count": len(self.tools),
            "last_error": self.last_error,
            "restarts": self.restarts,
        }


def stdio_parameters(server: StdioServer, path: str = DEFAULT_PATH) -> StdioServerParameters:
    """The process runs under `env -i`: ONLY the variables its entry names (plus PATH, to find
    its command, when the entry names none). The SDK alone would add HOME, USER, SHELL, ...
    of this service's own environment."""
    env = {"PATH": path, **server.env}
    assigned = [f"{key}={value}" for key, value in env.items()]
    launcher = shutil.which("env") or "/usr/bin/env"
    return StdioServerParameters(
        command=launcher, args=["-i", *assigned, server.command, *server.args]
    )


@asynccontextmanager
async def transport(server: ToolServer) -> AsyncIterator[TransportStreams]:
    if isinstance(server, HttpServer):
        timeout = httpx2.Timeout(30.0, read=300.0)
        async with (
            httpx2.AsyncClient(headers=server.headers, timeout=timeout) as client,
            streamable_http_client(server.url, http_client=client) as streams,
        ):
            yield streams
    else:
        async with stdio_client(stdio_parameters(server)) as streams:
            yield streams


def listed(server: str, tools: list[mcp_types.Tool]) -> tuple[ToolInfo, ...]:
    return tuple(
        ToolInfo(
            public_name(server, tool.name),
            server,
            tool.name,
            tool.description or tool.title or "",
            dict(tool.input_schema or {"type": "object", "properties": {}}),
        )
        for tool in tools
    )


async def all_tools(session: ClientSession) -> list[mcp_types.Tool]:
    """Every page of the server's tool list (at most MAX_PAGES)."""
    found: list[mcp_types.Tool] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        params = mcp_types.PaginatedRequestParams(cursor=cursor) if cursor else None
        page = await session.list_tools(params=params)
        found.extend(page.tools)
        cursor = page.next_cursor
        if not cursor:
            break
    return found


def describe(exc: BaseException) -> str:
    """A short reason for the admin page (an exception group: its first leaf)."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return f"{type(exc).__name__}: {exc}"[:300]


async def supervise(state: ServerState, closing: asyncio.Event) -> None:
    """Keep `state`'s server connected until `closing`, restarting it with backoff."""
    delay = 1.0
    while not closing.is_set():
        try:
            await connected(state, closing)
            delay = 1.0  # it ran, then ended: start again promptly
        except asyncio.CancelledError:
            raise
        except BaseException as exc:
            state.last_error = describe(exc)
        finally:
            state.session, state.connected = None, False
            state.tried.set()
        if closing.is_set():
            return
        state.restarts += 1
        try:
            await asyncio.wait_for(closing.wait(), delay)
        except TimeoutError:
            delay = min(delay * 2, MAX_BACKOFF)


async def connected(state: ServerState, closing: asyncio.Event) -> None:
    """One session's life: open, list, keep (ping, refresh) until it fails or `closing`."""

    async def on_message(message: mcp_types.ServerNotification | Exception) -> None:
        if isinstance(message, mcp_types.ToolListChangedNotification):
            state.changed.set()

    async with (
        transport(state.server) as (read, write),
        ClientSession(read, write, message_handler=on_message) as session,
    ):
        await session.initialize()
        state.tools = listed(state.server.name, await all_tools(session))
        state.session, state.connected, state.last_error = session, True, None
        state.tried.set()
        pings = 0
        while not closing.is_set():
            try:
                await asyncio.wait_for(state.changed.wait(), PING_EVERY)
            except TimeoutError:
                pings += 1
                await session.send_ping()
            if state.changed.is_set() or pings % REFRESH_EVERY == 0:
                state.changed.clear()
                state.tools = listed(state.server.name, await all_tools(session))
