"""The servers file, the tools' public names, the request body per model family and the
rounds policy, as pure rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.core.config import ConfigError
from shared.providers.base import ChatOptions, ToolRequest, Usage
from shared.providers.chat_body import chat_body
from shared.tools.rounds import DATA_MARK, Rounds, Toolbox
from shared.tools.servers import (
    HttpServer,
    StdioServer,
    load_servers,
    parse_servers,
    public_name,
)
from shared.tools.sessions import ToolInfo, stdio_parameters

TOOL = ToolInfo("calc__add", "calc", "add", "Add.", {"type": "object"})


def test_servers_file_in_the_common_form() -> None:
    servers = parse_servers(
        {
            "mcpServers": {
                "time": {"command": "mcp-server-time", "args": ["--local-timezone", "UTC"]},
                "web": {"url": "https://tools.example/mcp", "headers": {"Authorization": "x"}},
            }
        }
    )
    assert servers["time"] == StdioServer("time", "mcp-server-time", ("--local-timezone", "UTC"))
    assert servers["web"] == HttpServer("web", "https://tools.example/mcp", {"Authorization": "x"})


@pytest.mark.parametrize(
    ("document", "complaint"),
    [
        ({"servers": {}}, "mcpServers"),
        ({"mcpServers": {"a b": {"command": "x"}}}, "names are"),
        ({"mcpServers": {"a": {"command": "x", "url": "http://y"}}}, "either"),
        ({"mcpServers": {"a": {}}}, "either"),
        ({"mcpServers": {"a": {"url": "ftp://y"}}}, "http"),
        ({"mcpServers": {"a": {"command": "x", "args": "y"}}}, "args"),
        ({"mcpServers": {"a": {"command": "x", "env": {"A": 1}}}}, "env"),
    ],
)
def test_servers_file_mistakes_are_named(document: object, complaint: str) -> None:
    with pytest.raises(ConfigError, match=complaint):
        parse_servers(document)


def test_public_names_are_qualified_and_function_safe() -> None:
    assert public_name("time", "get_current_time") == "time__get_current_time"
    assert public_name("web", "search.v2 beta") == "web__search_v2_beta"
    assert len(public_name("s", "x" * 100)) == 64


def test_stdio_server_is_started_with_only_its_own_environment() -> None:
    params = stdio_parameters(StdioServer("t", "tool", ("--a",), {"KEY": "v"}), "/bin")
    assert params.args == ["-i", "PATH=/bin", "KEY=v", "tool", "--a"]
    assert params.command.endswith("env")


@pytest.mark.parametrize(
    ("model", "options", "effort"),
    [
        ("gpt-6-luna", ChatOptions(), None),
        ("gpt-6-luna", ChatOptions(reasoning_effort="low"), "low"),
        ("gpt-6-luna", ChatOptions(({"type": "function"},), "low"), "none"),
        ("gpt-5.6-luna", ChatOptions(({"type": "function"},), "low"), "low"),
        ("o4-mini", ChatOptions(reasoning_effort="high"), "high"),
        ("llama3", ChatOptions(({"type": "function"},), "low"), None),
    ],
)
def test_reasoning_effort_per_model_family(
    model: str, options: ChatOptions, effort: str | None
) -> None:
    body = chat_body([{"role": "user", "content": "hi"}], model, 0, options)
    assert body.get("reasoning_effort") == effort
    assert ("tools" in body) == bool(options.tools)


def test_configured_effort_is_the_default() -> None:
    body = chat_body([{"role": "user", "content": "hi"}], "gpt-6-luna", 0, ChatOptions(), "low")
    assert body["reasoning_effort"] == "low"


def rounds(max_rounds: int = 2, max_chars: int = 10) -> Rounds:
    box = Toolbox(None, (TOOL,), 1.0, max_chars, max_rounds)
    return Rounds(box, [{"role": "user", "content": "add"}])


def test_tools_offered_until_the_last_round_then_none() -> None:
    plan = rounds(max_rounds=1)
    assert plan.options().tools[0]["function"]["name"] == "calc__add"
    (call,) = plan.asked("", [ToolRequest("c1", "calc__add", '{"a": 1}')])
    plan.ended(call, "ok", "2")
    assert plan.options().tools == ()
    assert not plan.wants([ToolRequest("c2", "calc__add", "{}")])


def test_results_capped_marked_as_data_and_stored() -> None:
    plan = rounds()
    (call,) = plan.asked("", [ToolRequest("c1", "calc__add", '{"a": 1}')])
    plan.ended(call, "ok", "<b>" * 10)
    assert plan.messages[-1]["role"] == "tool" and plan.messages[-1]["tool_call_id"] == "c1"
    assert plan.messages[-1]["content"].startswith(DATA_MARK)
    (stored,) = plan.stored() or []
    assert stored["result"].startswith("<b><b><b>") and "cut at the size limit" in stored["result"]
    assert stored["arguments"] == {"a": 1} and stored["status"] == "ok"


def test_unknown_tools_and_bad_arguments_are_problems_told_to_the_model() -> None:
    plan = rounds()
    unknown, bad = plan.asked(
        "", [ToolRequest("c1", "rm__rf", "{}"), ToolRequest("c2", "calc__add", "[1")]
    )
    assert unknown.problem and "no tool" in unknown.problem
    assert bad.problem and "JSON object" in bad.problem


def test_every_round_counted_estimated_where_unreported() -> None:
    plan = rounds()
    plan.used(Usage(10, 5), "", [ToolRequest("c1", "calc__add", "{}")])
    plan.asked("", [ToolRequest("c1", "calc__add", "{}")])
    plan.used(Usage(None, None), "four", [])
    total = plan.usage(Usage(None, None))
    assert total.prompt_tokens is not None and total.prompt_tokens > 10
    assert total.completion_tokens == 6


def test_servers_file_that_cannot_be_read_stops_the_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot be read"):
        load_servers(str(tmp_path / "missing.json"))
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(ConfigError, match="not valid JSON"):
        load_servers(str(broken))
    assert load_servers("") == {}
