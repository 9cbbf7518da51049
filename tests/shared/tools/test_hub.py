"""The hub against real MCP servers: stdio (mcp-server-time, an SDK server) and streamable
HTTP (an SDK server), sessions kept, calls bounded, a stdio server's environment its own."""

from __future__ import annotations

import pytest

from shared.tools.hub import ToolHub, hub_for
from shared.tools.servers import StdioServer


@pytest.fixture(scope="module")
def hub(tool_servers_file: str) -> ToolHub:
    found = hub_for(tool_servers_file)
    found.wait_ready(60)
    return found


def test_tools_of_every_server_listed_by_public_name(hub: ToolHub) -> None:
    names = {tool.name for tool in hub.tools()}
    assert {"time__get_current_time", "calc__add", "calc__slow", "probe__environment"} <= names
    add = next(tool for tool in hub.tools() if tool.name == "calc__add")
    assert (
        add.server == "calc" and add.tool == "add" and add.description == "Add two whole numbers."
    )
    assert add.input_schema["required"] == ["a", "b"]
    states = {state["name"]: state for state in hub.states()}
    assert states["time"]["connected"] and states["time"]["transport"] == "stdio"
    assert states["calc"]["transport"] == "streamable-http" and states["calc"]["tool_count"] == 4


def test_calls_over_both_transports_on_kept_sessions(hub: ToolHub) -> None:
    add, now = hub.find(["calc__add", "time__get_current_time"])
    assert hub.call(add, {"a": 2, "b": 3}).result(10).text == "5"
    output = hub.call(now, {"timezone": "Europe/Paris"}).result(10)
    assert '"timezone": "Europe/Paris"' in output.text and not output.failed
    before = {state["name"]: state["restarts"] for state in hub.states()}
    hub.call(add, {"a": 1, "b": 1}).result(10)
    assert {state["name"]: state["restarts"] for state in hub.states()} == before


def test_tool_error_is_reported_not_raised(hub: ToolHub) -> None:
    (broken,) = hub.find(["calc__broken"])
    output = hub.call(broken, {}).result(10)
    assert output.failed and "the tool broke" in output.text


def test_stdio_server_gets_only_the_environment_its_entry_names(hub: ToolHub) -> None:
    (environment,) = hub.find(["probe__environment"])
    given = set(hub.call(environment, {}).result(10).text.split(","))
    # PATH (to find the command) and what the entry names; nothing of this process's own.
    assert given - {"LC_CTYPE"} == {"PATH", "PYTHONPATH", "GREETING"}


def test_a_server_that_cannot_start_is_shown_failing_and_retried() -> None:
    hub = ToolHub({"gone": StdioServer("gone", "/nonexistent/mcp-server")})
    try:
        hub.wait_ready(20)
        (state,) = hub.states()
        assert not state["connected"] and state["tool_count"] == 0
        assert state["last_error"] and state["restarts"] >= 1
        assert hub.tools() == []
    finally:
        hub.close()
