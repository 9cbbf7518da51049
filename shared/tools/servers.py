"""The tool servers file: `{"mcpServers": {"<name>": {...}}}`, the form most MCP clients read.

A stdio entry is `{"command": "...", "args": [...], "env": {...}}`; a streamable HTTP entry is
`{"url": "http://...", "headers": {...}}`. Anything else is refused with a message naming the
entry, when the service starts, so a typo never silently leaves an agent without its tools.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shared.core.config import ConfigError

# A server's name becomes part of a function name (see `public_name`).
SERVER_NAME = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
# Function names OpenAI accepts: letters, digits, "_" and "-", at most 64 characters.
UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
MAX_FUNCTION_NAME = 64


@dataclass(frozen=True)
class StdioServer:
    name: str
    command: str
    args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class HttpServer:
    name: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)


ToolServer = StdioServer | HttpServer


def public_name(server: str, tool: str) -> str:
    """The one name a tool has everywhere (GET /api/tools, an agent's `tools`, the function
    offered to the model): `<server>__<tool>`, made function-name-safe. Always qualified, so
    adding a server never renames another server's tools."""
    return UNSAFE.sub("_", f"{server}__{tool}")[:MAX_FUNCTION_NAME]


def load_servers(path: str) -> dict[str, ToolServer]:
    """The servers `path` names; {} when no file is configured."""
    if not path:
        return {}
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"TOOL_SERVERS_FILE {path!r} cannot be read: {exc.strerror}") from exc
    except ValueError as exc:
        raise ConfigError(f"TOOL_SERVERS_FILE {path!r} is not valid JSON: {exc}") from exc
    return parse_servers(document)


def parse_servers(document: Any) -> dict[str, ToolServer]:
    entries = document.get("mcpServers") if isinstance(document, dict) else None
    if not isinstance(entries, dict):
        raise ConfigError('TOOL_SERVERS_FILE must hold {"mcpServers": {"<name>": {...}}}')
    return {name: parse_entry(name, entry) for name, entry in entries.items()}


def parse_entry(name: str, entry: Any) -> ToolServer:
    where = f"TOOL_SERVERS_FILE server {name!r}"
    if not SERVER_NAME.match(name):
        raise ConfigError(f"{where}: names are 1-32 letters, digits, '_' or '-'")
    if not isinstance(entry, dict):
        raise ConfigError(f"{where} must be an object")
    if ("command" in entry) == ("url" in entry):
        raise ConfigError(f'{where} needs either "command" (stdio) or "url" (streamable HTTP)')
    if "url" in entry:
        url = entry["url"]
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ConfigError(f'{where}: "url" must be an http:// or https:// address')
        return HttpServer(name, url, _strings(entry.get("headers", {}), f'{where} "headers"'))
    command, args = entry["command"], entry.get("args", [])
    if not isinstance(command, str) or not command.strip():
        raise ConfigError(f'{where}: "command" must be a non-empty string')
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        raise ConfigError(f'{where}: "args" must be a list of strings')
    return StdioServer(name, command, tuple(args), _strings(entry.get("env", {}), f'{where} "env"'))


def _strings(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ConfigError(f"{where} must map names to strings")
    return dict(value)
