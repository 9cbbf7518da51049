"""A tool servers file naming real MCP servers (a pytest plugin the root conftest loads):
mcp-server-time and a small SDK server over stdio, and a small SDK server over streamable
HTTP (one set for the whole test session, started only when a test asks)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.core.config import ROOT
from tests.shared.tools.servers import serve_http


@pytest.fixture(scope="session")
def tool_servers_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url, server = serve_http()
    document = {
        "mcpServers": {
            "time": {
                "command": sys.executable,
                "args": ["-m", "mcp_server_time", "--local-timezone", "UTC"],
            },
            "calc": {"url": url, "headers": {"X-Test": "yes"}},
            "probe": {
                "command": sys.executable,
                "args": ["-m", "tests.shared.tools.servers"],
                "env": {"PYTHONPATH": str(ROOT), "GREETING": "hello"},
            },
        }
    }
    path = Path(tmp_path_factory.mktemp("tools")) / "servers.json"
    path.write_text(json.dumps(document))
    yield str(path)
    server.should_exit = True
