"""`GET /api/tools`: the tools agents may offer, from the configured MCP servers; and
`GET /api/admin/tool-servers`: each server's state. Servers are configuration
(TOOL_SERVERS_FILE), never created through the API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from api.admin import ADMIN_ONLY, admin_required
from api.auth import login_required
from api.deps import tools as tool_source
from api.http import abort
from api.reads import without_transaction
from api.tool_fields import ToolSchema, ToolServerSchema
from shared.tools.sessions import ToolInfo

blp = Blueprint("tools", __name__, url_prefix="/api", description="Tools (MCP servers)")
# The first listing in a process waits this long for the servers to start (seconds).
FIRST_LISTING_WAIT = 15.0
UNKNOWN_TOOL = "unknown_tool"


def listed_tools() -> list[ToolInfo]:
    source = tool_source()
    if source is None:
        return []
    source.hub.wait_ready(FIRST_LISTING_WAIT)
    return source.hub.tools()


@blp.route("/tools")
class Tools(MethodView):
    @blp.response(200, ToolSchema(many=True))
    @without_transaction
    @login_required
    def get(self) -> list[ToolInfo]:
        """List the tools an agent may offer (from the configured tool servers)"""
        return listed_tools()


@blp.route("/admin/tool-servers")
class ToolServers(MethodView):
    @blp.response(200, ToolServerSchema(many=True))
    @blp.alt_response(403, **ADMIN_ONLY)
    @without_transaction
    @admin_required
    def get(self) -> list[dict[str, Any]]:
        """Each configured tool server: connected, its tool count, its last error"""
        source = tool_source()
        return source.hub.states() if source is not None else []


def check_tools(changes: Mapping[str, Any], current: list[str] | None = None) -> None:
    """An agent's new `tools` must name tools GET /api/tools lists (422 `unknown_tool`); one
    it has already is kept while its server is away."""
    added = set(changes.get("tools") or ()) - set(current or ())
    if not added:
        return
    known = {tool.name for tool in listed_tools()}
    unknown = sorted(added - known)
    if unknown:
        message = f"Unknown tools: {', '.join(unknown)}; use names GET /api/tools lists."
        abort(422, message, errors={"tools": [message], "reason": UNKNOWN_TOOL})
