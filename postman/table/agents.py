"""Agents: create, read, replace, patch; and the models an agent may use."""

from __future__ import annotations

from .checks import (
    each_has_exactly,
    equals,
    error_fields,
    error_reason,
    header,
    is_type,
    non_empty_list,
    one_of,
    saves,
    var,
)
from .rows import Folder, Row

AGENT = {"name": "Postman tester", "prompt": "You answer briefly.", "is_public": False}
AGENTS = "/api/agents"
MINE = "/api/agents/{{agent_id}}"

FOLDER = Folder(
    "Agents",
    "Create, read, replace, patch agents; others' private agents are 404, public ones 403.",
    (
        Row(
            "List agents",
            "GET",
            AGENTS,
            200,
            checks=(
                header("X-Pagination"),
                is_type("", "array"),
                saves("public_agent_id", ".find((agent) => agent.is_public).id"),
            ),
        ),
        Row("List agents with too big a page", "GET", f"{AGENTS}?page_size=101", 422),
        Row(
            "Create an agent",
            "POST",
            AGENTS,
            201,
            body=AGENT,
            checks=(
                equals("name", "Postman tester"),
                equals("is_public", False),
                equals("owner_id", var("user_id")),
                saves("agent_id", "id"),
            ),
        ),
        Row(
            "Create an agent without a prompt",
            "POST",
            AGENTS,
            422,
            body={"name": "No prompt"},
            checks=(error_fields("prompt"),),
        ),
        Row(
            "Create an agent with too long a name",
            "POST",
            AGENTS,
            422,
            body={"name": "n" * 101, "prompt": "Too long a name."},
        ),
        Row("Create an agent with invalid JSON", "POST", AGENTS, (400, 422), raw='{"name": '),
        Row("Create an agent as a guest", "POST", AGENTS, 403, token="guest_token", body=AGENT),
        Row("Create an agent without a token", "POST", AGENTS, 401, token=None, body=AGENT),
        Row("Get an agent", "GET", MINE, 200, checks=(equals("id", var("agent_id")),)),
        Row("Get another user's private agent", "GET", MINE, 404, token="other_token"),
        Row(
            "Replace an agent",
            "PUT",
            MINE,
            200,
            body={"name": "Postman replaced", "prompt": "You answer in one sentence."},
            checks=(
                equals("name", "Postman replaced"),
                equals("prompt", "You answer in one sentence."),
            ),
        ),
        Row(
            "Replace an agent with a bad body",
            "PUT",
            MINE,
            422,
            body={"name": "Missing prompt"},
        ),
        Row(
            "Patch an agent",
            "PATCH",
            MINE,
            200,
            body={"name": "Postman patched"},
            checks=(
                equals("name", "Postman patched"),
                equals("prompt", "You answer in one sentence."),
            ),
        ),
        Row(
            "Patch another user's private agent",
            "PATCH",
            MINE,
            404,
            token="other_token",
            body={"name": "Not mine"},
        ),
        Row(
            "Patch a public agent I do not own",
            "PATCH",
            "/api/agents/{{public_agent_id}}",
            403,
            body={"name": "Not mine"},
        ),
        Row("Get a missing agent", "GET", "/api/agents/999999999", 404),
    ),
)

MODELS = Folder(
    "Models",
    "The models (with shutdown dates) and voices an agent may use; lifecycle warnings in "
    "both health endpoints; models outside the allow-list are refused for non-admins.",
    (
        Row(
            "List models and voices",
            "GET",
            "/api/models",
            200,
            checks=(
                is_type("models", "array"),
                each_has_exactly("models", "id", "shutdown_date"),
                non_empty_list("voices"),
                is_type("default_model", "string"),
                one_of("speech_api", ["speech", "realtime", "offline"]),
                is_type("warnings", "array"),
            ),
        ),
        Row("List models without a token", "GET", "/api/models", 401, token=None),
        Row(
            "List tools (from the configured MCP servers)",
            "GET",
            "/api/tools",
            200,
            checks=(is_type("", "array"),),
        ),
        Row("List tools without a token", "GET", "/api/tools", 401, token=None),
        Row(
            "Create an agent with an unknown tool",
            "POST",
            AGENTS,
            422,
            body={"name": "Toolish", "prompt": "Answer.", "tools": ["nowhere__nothing"]},
            checks=(error_fields("tools"), error_reason("unknown_tool")),
        ),
        Row(
            "Create an agent with a bad reasoning effort",
            "POST",
            AGENTS,
            422,
            body={"name": "Thinker", "prompt": "Answer.", "reasoning_effort": "extreme"},
            checks=(error_fields("reasoning_effort"),),
        ),
        Row(
            "Create an agent with a model outside the allow-list",
            "POST",
            AGENTS,
            422,
            body={"name": "Costly", "prompt": "Answer.", "model": "not-an-allowed-model"},
            checks=(error_fields("model"),),
        ),
        Row(
            "API health lists model warnings",
            "GET",
            "/api/health",
            200,
            token=None,
            checks=(is_type("warnings", "array"),),
        ),
        Row(
            "Voice health lists model warnings",
            "GET",
            "/voice/health",
            200,
            token=None,
            checks=(is_type("warnings", "array"),),
        ),
    ),
)
