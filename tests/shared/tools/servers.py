"""Real MCP servers for the tool tests, built with the official SDK: one over streamable HTTP
(started in a thread of the test process) and one over stdio (run as `python -m
tests.shared.tools.servers`), beside `mcp-server-time` from PyPI."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time

import uvicorn
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError


def http_tools() -> MCPServer:
    server = MCPServer("test-http")

    @server.tool()
    def add(a: int, b: int) -> str:
        """Add two whole numbers."""
        return str(a + b)

    @server.tool()
    async def slow(seconds: float) -> str:
        """Answer after `seconds`."""
        await asyncio.sleep(seconds)
        return "slept"

    @server.tool()
    def broken() -> str:
        """Always fails."""
        raise ToolError("the tool broke")

    @server.tool()
    def big(size: int) -> str:
        """A long text of `size` characters, with markup in it."""
        return ("<b>x</b>" * size)[:size]

    return server


def stdio_tools() -> MCPServer:
    server = MCPServer("test-stdio")

    @server.tool()
    def environment() -> str:
        """The names of the variables this process was given."""
        return ",".join(sorted(os.environ))

    return server


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve_http() -> tuple[str, uvicorn.Server]:
    """Start the HTTP tool server on a free port; its MCP address and the server (to stop)."""
    port = free_port()
    app = http_tools().streamable_http_app()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    threading.Thread(target=server.run, daemon=True).start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}/mcp", server


if __name__ == "__main__":
    stdio_tools().run()
