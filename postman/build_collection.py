"""Write the Postman collection: `python postman/build_collection.py`.

The collection JSON is generated so that every request gets the same kind of tests (status, the
error envelope, key fields) without hand-copying JavaScript; edit this file, then regenerate.
Folders run in order and pass values on in collection variables (tokens, ids).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
COLLECTION = HERE / "agent-chatbot.postman_collection.json"
API = "{{api_url}}"
VOICE = "{{voice_url}}"

# Checks shared by every response: no internals leak, and every error uses the one envelope.
COLLECTION_TESTS = """
pm.test("no stack trace or secret in the response", function () {
    const text = pm.response.text();
    pm.expect(text).to.not.include("Traceback (most recent call last)");
    pm.expect(text).to.not.include("test-key");
});
if (pm.response.code >= 400) {
    pm.test("error uses the envelope {code, status, message}", function () {
        const body = pm.response.json();
        pm.expect(body.code).to.eql(pm.response.code);
        pm.expect(body.status).to.be.a("string");
        pm.expect(body.message).to.be.a("string").and.not.empty;
    });
}
"""


def status_test(*codes: int) -> str:
    if len(codes) == 1:
        return f'pm.test("status is {codes[0]}", () => pm.response.to.have.status({codes[0]}));'
    listed = ", ".join(str(code) for code in codes)
    return (
        f'pm.test("status is one of {listed}", '
        f"() => pm.expect(pm.response.code).to.be.oneOf([{listed}]));"
    )


def json_test(name: str, body: str) -> str:
    return f'pm.test("{name}", function () {{\n    const body = pm.response.json();\n{body}\n}});'


def header_test(header: str) -> str:
    return f'pm.test("has header {header}", () => pm.response.to.have.header("{header}"));'


def request(
    name: str,
    method: str,
    url: str,
    *,
    status: tuple[int, ...] | int,
    token: str | None = "access_token",
    body: Any = None,
    raw: str | None = None,
    formdata: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    tests: tuple[str, ...] = (),
    prerequest: str = "",
    description: str = "",
) -> dict[str, Any]:
    """One request with its tests; `token` names the variable sent as the bearer token."""
    codes = status if isinstance(status, tuple) else (status,)
    item: dict[str, Any] = {
        "name": name,
        "request": {"method": method, "header": [], "url": url},
        "event": [{"listen": "test", "script": script(status_test(*codes), *tests)}],
    }
    if description:
        item["request"]["description"] = description
    if token:
        item["request"]["auth"] = {
            "type": "bearer",
            "bearer": [{"key": "token", "value": "{{" + token + "}}", "type": "string"}],
        }
    else:
        item["request"]["auth"] = {"type": "noauth"}
    for key, value in (headers or {}).items():
        item["request"]["header"].append({"key": key, "value": value})
    if body is not None or raw is not None:
        item["request"]["header"].append({"key": "Content-Type", "value": "application/json"})
        item["request"]["body"] = {
            "mode": "raw",
            "raw": raw if raw is not None else json.dumps(body, indent=2),
            "options": {"raw": {"language": "json"}},
        }
    if formdata is not None:
        item["request"]["body"] = {"mode": "formdata", "formdata": formdata}
    if prerequest:
        item["event"].insert(0, {"listen": "prerequest", "script": script(prerequest)})
    return item


def script(*parts: str) -> dict[str, Any]:
    lines: list[str] = []
    for part in parts:
        lines.extend(part.strip("\n").splitlines())
    return {"type": "text/javascript", "exec": lines}


def folder(name: str, description: str, *items: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "description": description, "item": list(items)}


def save(variable: str, expression: str) -> str:
    return f'pm.collectionVariables.set("{variable}", {expression});'


def count_turn() -> str:
    """A stored turn adds two messages; the message-list test checks the running total."""
    return (
        "const stored = Number(pm.collectionVariables.get('expected_messages') || 0);\n"
        "pm.collectionVariables.set('expected_messages', stored + 2);"
    )


def error_fields_test(*fields: str) -> str:
    # Field errors may be grouped by location (webargs: {"json": {...}}) or flat.
    checks = "\n".join(f'    pm.expect(fields).to.have.property("{f}");' for f in fields)
    return json_test(
        "errors name the broken fields",
        "    pm.expect(body.errors).to.be.an('object');\n"
        "    const fields = body.errors.json || body.errors;\n" + checks,
    )


def service_folders() -> list[dict[str, Any]]:
    api = folder(
        "API service",
        "Health, OpenAPI, Swagger UI and the web UI served by the API (Flask, gunicorn).",
        request(
            "API health",
            "GET",
            f"{API}/api/health",
            status=200,
            token=None,
            tests=(
                json_test(
                    "database and status are ok, providers listed",
                    '    pm.expect(body.status).to.eql("ok");\n'
                    '    pm.expect(body.database).to.eql("ok");\n'
                    "    pm.expect(body.providers).to.be.an('object');",
                ),
            ),
        ),
        request(
            "API OpenAPI document",
            "GET",
            f"{API}/api/openapi.json",
            status=200,
            token=None,
            tests=(
                json_test(
                    "documents every endpoint",
                    "    const paths = Object.keys(body.paths);\n"
                    "    [\n"
                    '        "/api/auth/register", "/api/auth/login", "/api/auth/guest",\n'
                    '        "/api/auth/refresh", "/api/auth/logout", "/api/auth/me",\n'
                    '        "/api/agents", "/api/agents/{agent_id}",\n'
                    '        "/api/agents/{agent_id}/chats", "/api/chats",\n'
                    '        "/api/chats/{chat_id}", "/api/chats/{chat_id}/messages",\n'
                    '        "/api/chats/{chat_id}/messages/retry", "/api/health",\n'
                    "    ].forEach((path) => pm.expect(paths).to.include(path));",
                ),
            ),
        ),
        request(
            "API Swagger UI",
            "GET",
            f"{API}/api/docs",
            status=200,
            token=None,
            tests=(
                'pm.test("is an HTML page", () => '
                'pm.expect(pm.response.headers.get("Content-Type")).to.include("text/html"));',
                'pm.test("loads local assets", () => '
                'pm.expect(pm.response.text()).to.include("/api/docs/assets/"));',
            ),
        ),
        request(
            "Web UI from the API",
            "GET",
            f"{API}/",
            status=200,
            token=None,
            tests=(
                'pm.test("is an HTML page", () => '
                'pm.expect(pm.response.headers.get("Content-Type")).to.include("text/html"));',
            ),
        ),
        request(
            "UI config from the API",
            "GET",
            f"{API}/config.json",
            status=200,
            token=None,
            tests=(json_test("is a JSON object", "    pm.expect(body).to.be.an('object');"),),
        ),
        request(
            "Unknown path is a JSON 404", "GET", f"{API}/api/no-such-thing", status=404, token=None
        ),
        request(
            "Wrong method is a JSON 405", "DELETE", f"{API}/api/health", status=405, token=None
        ),
    )
    voice = folder(
        "Voice service",
        "Health, OpenAPI, Swagger UI and the web UI served by the voice service (Quart).",
        request(
            "Voice health",
            "GET",
            f"{VOICE}/voice/health",
            status=200,
            token=None,
            tests=(
                json_test(
                    "database and status are ok, providers listed",
                    '    pm.expect(body.status).to.eql("ok");\n'
                    '    pm.expect(body.database).to.eql("ok");\n'
                    "    pm.expect(body.providers).to.be.an('object');",
                ),
            ),
        ),
        request(
            "Voice OpenAPI document",
            "GET",
            f"{VOICE}/voice/openapi.json",
            status=200,
            token=None,
            tests=(
                json_test(
                    "documents the voice turn and the stream",
                    "    const paths = Object.keys(body.paths);\n"
                    "    pm.expect(paths.some((p) => /^\\/voice\\/chats\\/\\{[^}]+\\}\\/messages$/"
                    ".test(p))).to.be.true;\n"
                    "    pm.expect(paths.some((p) => /^\\/voice\\/chats\\/\\{[^}]+\\}\\/messages"
                    "\\/stream$/.test(p))).to.be.true;",
                ),
            ),
        ),
        request(
            "Voice Swagger UI",
            "GET",
            f"{VOICE}/voice/docs",
            status=200,
            token=None,
            tests=(
                'pm.test("is an HTML page", () => '
                'pm.expect(pm.response.headers.get("Content-Type")).to.include("text/html"));',
            ),
        ),
        request(
            "Web UI from the voice service",
            "GET",
            f"{VOICE}/",
            status=200,
            token=None,
            tests=(
                'pm.test("is an HTML page", () => '
                'pm.expect(pm.response.headers.get("Content-Type")).to.include("text/html"));',
            ),
        ),
        request(
            "UI config from the voice service",
            "GET",
            f"{VOICE}/config.json",
            status=200,
            token=None,
            tests=(json_test("is a JSON object", "    pm.expect(body).to.be.an('object');"),),
        ),
        request(
            "Unknown voice path is a JSON 404",
            "GET",
            f"{VOICE}/voice/no-such-thing",
            status=404,
            token=None,
        ),
    )
    return [api, voice]


def auth_folder() -> dict[str, Any]:
    unique_names = """
// A fresh account per run, so the collection passes on any database and on reruns.
const stamp = Date.now().toString(36) + Math.floor(Math.random() * 1e6).toString(36);
const base = pm.environment.get("username") || "postman";
pm.collectionVariables.set("run_username", `${base}_${stamp}`);
pm.collectionVariables.set("other_username", `${base}_other_${stamp}`);
"""
    credentials = {"username": "{{run_username}}", "password": "{{password}}"}
    other = {"username": "{{other_username}}", "password": "{{password}}"}
    return folder(
        "Auth",
        "Register, log in, refresh, guest tokens. Stores access_token, refresh_token, "
        "other_token (a second user) and guest_token.",
        request(
            "Register",
            "POST",
            f"{API}/api/auth/register",
            status=201,
            token=None,
            body=credentials,
            prerequest=unique_names,
            tests=(
                json_test(
                    "returns the user without any password",
                    '    const expected = pm.collectionVariables.get("run_username");\n'
                    "    pm.expect(body.username).to.eql(expected);\n"
                    "    pm.expect(body).to.not.have.any.keys('password', 'password_hash');\n"
                    '    pm.collectionVariables.set("user_id", body.id);',
                ),
            ),
        ),
        request(
            "Register a taken username",
            "POST",
            f"{API}/api/auth/register",
            status=409,
            token=None,
            body=credentials,
        ),
        request(
            "Register with a bad body",
            "POST",
            f"{API}/api/auth/register",
            status=422,
            token=None,
            body={"username": "x"},
            tests=(error_fields_test("password"),),
        ),
        request(
            "Register as anonymous is refused",
            "POST",
            f"{API}/api/auth/register",
            status=(409, 422),
            token=None,
            body={"username": "anonymous", "password": "{{password}}"},
        ),
        request(
            "Log in with a wrong password",
            "POST",
            f"{API}/api/auth/login",
            status=401,
            token=None,
            body={"username": "{{run_username}}", "password": "wrong-password"},
        ),
        request(
            "Log in",
            "POST",
            f"{API}/api/auth/login",
            status=200,
            token=None,
            body=credentials,
            tests=(
                json_test(
                    "returns an access and a refresh token",
                    "    pm.expect(body.access_token).to.be.a('string').and.not.empty;\n"
                    "    pm.expect(body.refresh_token).to.be.a('string').and.not.empty;\n"
                    '    pm.expect(body.token_type.toLowerCase()).to.eql("bearer");\n'
                    "    pm.expect(body.expires_in).to.be.a('number');\n"
                    f"    {save('access_token', 'body.access_token')}\n"
                    f"    {save('refresh_token', 'body.refresh_token')}",
                ),
            ),
        ),
        request(
            "Me",
            "GET",
            f"{API}/api/auth/me",
            status=200,
            tests=(
                json_test(
                    "is the logged-in user",
                    '    const expected = pm.collectionVariables.get("run_username");\n'
                    "    pm.expect(body.username).to.eql(expected);\n"
                    "    pm.expect(body.is_guest).to.eql(false);",
                ),
            ),
        ),
        request("Me without a token", "GET", f"{API}/api/auth/me", status=401, token=None),
        request(
            "Me with a tampered token",
            "GET",
            f"{API}/api/auth/me",
            status=401,
            token="tampered_token",
            prerequest=(
                'const token = pm.collectionVariables.get("access_token");\n'
                'pm.collectionVariables.set("tampered_token", token.slice(0, -4) + '
                '(token.endsWith("AAAA") ? "BBBB" : "AAAA"));'
            ),
        ),
        request(
            "Me with a refresh token",
            "GET",
            f"{API}/api/auth/me",
            status=(401, 422),
            token="refresh_token",
            description="Refresh tokens are not access tokens.",
        ),
        request(
            "Refresh",
            "POST",
            f"{API}/api/auth/refresh",
            status=200,
            token="refresh_token",
            tests=(
                json_test(
                    "returns a new access token",
                    "    pm.expect(body.access_token).to.be.a('string').and.not.empty;\n"
                    f"    {save('access_token', 'body.access_token')}",
                ),
            ),
        ),
        request(
            "Refresh with an access token",
            "POST",
            f"{API}/api/auth/refresh",
            status=(401, 422),
            token="access_token",
        ),
        request(
            "Register another user",
            "POST",
            f"{API}/api/auth/register",
            status=201,
            token=None,
            body=other,
        ),
        request(
            "Log in as the other user",
            "POST",
            f"{API}/api/auth/login",
            status=200,
            token=None,
            body=other,
            tests=(
                json_test("returns a token", f"    {save('other_token', 'body.access_token')}"),
            ),
        ),
        request(
            "Guest token",
            "POST",
            f"{API}/api/auth/guest",
            status=201,
            token=None,
            tests=(
                json_test(
                    "returns an access token with a guest id",
                    "    pm.expect(body.access_token).to.be.a('string').and.not.empty;\n"
                    "    pm.expect(body.guest_id).to.be.a('string').and.not.empty;\n"
                    f"    {save('guest_token', 'body.access_token')}",
                ),
            ),
        ),
        request(
            "Me as a guest",
            "GET",
            f"{API}/api/auth/me",
            status=200,
            token="guest_token",
            tests=(json_test("is a guest", "    pm.expect(body.is_guest).to.eql(true);"),),
        ),
    )


def agents_folder() -> dict[str, Any]:
    agent = {"name": "Postman tester", "prompt": "You answer briefly.", "is_public": False}
    return folder(
        "Agents",
        "Create, read, replace, patch agents; others' private agents are 404, public ones 403.",
        request(
            "List agents",
            "GET",
            f"{API}/api/agents",
            status=200,
            tests=(
                header_test("X-Pagination"),
                json_test(
                    "includes the public starter agent",
                    "    pm.expect(body).to.be.an('array');\n"
                    "    const starter = body.find((a) => a.is_public);\n"
                    "    pm.expect(starter, 'a public agent').to.be.an('object');\n"
                    f"    {save('public_agent_id', 'starter.id')}",
                ),
            ),
        ),
        request(
            "List agents with too big a page",
            "GET",
            f"{API}/api/agents?page_size=101",
            status=422,
        ),
        request(
            "Create an agent",
            "POST",
            f"{API}/api/agents",
            status=201,
            body=agent,
            tests=(
                json_test(
                    "returns the stored agent",
                    '    pm.expect(body.name).to.eql("Postman tester");\n'
                    "    pm.expect(body.is_public).to.eql(false);\n"
                    '    pm.expect(body.owner_id).to.eql(pm.collectionVariables.get("user_id"));\n'
                    f"    {save('agent_id', 'body.id')}",
                ),
            ),
        ),
        request(
            "Create an agent without a prompt",
            "POST",
            f"{API}/api/agents",
            status=422,
            body={"name": "No prompt"},
            tests=(error_fields_test("prompt"),),
        ),
        request(
            "Create an agent with too long a name",
            "POST",
            f"{API}/api/agents",
            status=422,
            body={"name": "n" * 101, "prompt": "Too long a name."},
        ),
        request(
            "Create an agent with invalid JSON",
            "POST",
            f"{API}/api/agents",
            status=(400, 422),
            raw='{"name": ',
        ),
        request(
            "Create an agent as a guest",
            "POST",
            f"{API}/api/agents",
            status=403,
            token="guest_token",
            body=agent,
        ),
        request(
            "Create an agent without a token",
            "POST",
            f"{API}/api/agents",
            status=401,
            token=None,
            body=agent,
        ),
        request(
            "Get an agent",
            "GET",
            f"{API}/api/agents/{{{{agent_id}}}}",
            status=200,
            tests=(
                json_test(
                    "is the agent",
                    '    pm.expect(body.id).to.eql(pm.collectionVariables.get("agent_id"));',
                ),
            ),
        ),
        request(
            "Get another user's private agent",
            "GET",
            f"{API}/api/agents/{{{{agent_id}}}}",
            status=404,
            token="other_token",
        ),
        request(
            "Replace an agent",
            "PUT",
            f"{API}/api/agents/{{{{agent_id}}}}",
            status=200,
            body={"name": "Postman replaced", "prompt": "You answer in one sentence."},
            tests=(
                json_test(
                    "has the new fields",
                    '    pm.expect(body.name).to.eql("Postman replaced");\n'
                    '    pm.expect(body.prompt).to.eql("You answer in one sentence.");',
                ),
            ),
        ),
        request(
            "Replace an agent with a bad body",
            "PUT",
            f"{API}/api/agents/{{{{agent_id}}}}",
            status=422,
            body={"name": "Missing prompt"},
        ),
        request(
            "Patch an agent",
            "PATCH",
            f"{API}/api/agents/{{{{agent_id}}}}",
            status=200,
            body={"name": "Postman patched"},
            tests=(
                json_test(
                    "changed only the name",
                    '    pm.expect(body.name).to.eql("Postman patched");\n'
                    '    pm.expect(body.prompt).to.eql("You answer in one sentence.");',
                ),
            ),
        ),
        request(
            "Patch another user's private agent",
            "PATCH",
            f"{API}/api/agents/{{{{agent_id}}}}",
            status=404,
            token="other_token",
            body={"name": "Not mine"},
        ),
        request(
            "Patch a public agent I do not own",
            "PATCH",
            f"{API}/api/agents/{{{{public_agent_id}}}}",
            status=403,
            body={"name": "Not mine"},
        ),
        request(
            "Get a missing agent",
            "GET",
            f"{API}/api/agents/999999999",
            status=404,
        ),
    )


def chats_folder() -> dict[str, Any]:
    return folder(
        "Chats",
        "Chats with an agent; a caller sees only their own (a guest only that guest's).",
        request(
            "Start a chat",
            "POST",
            f"{API}/api/agents/{{{{agent_id}}}}/chats",
            status=201,
            body={"title": "Postman chat"},
            tests=(
                json_test(
                    "is a chat with the agent",
                    '    pm.expect(body.agent_id).to.eql(pm.collectionVariables.get("agent_id"));\n'
                    '    pm.expect(body.title).to.eql("Postman chat");\n'
                    f"    {save('chat_id', 'body.id')}\n"
                    '    pm.collectionVariables.set("expected_messages", 0);',
                ),
            ),
        ),
        request(
            "Start a chat with an empty title",
            "POST",
            f"{API}/api/agents/{{{{agent_id}}}}/chats",
            status=422,
            body={"title": ""},
        ),
        request(
            "Start a chat with another user's private agent",
            "POST",
            f"{API}/api/agents/{{{{agent_id}}}}/chats",
            status=404,
            token="other_token",
            body={"title": "Not mine"},
        ),
        request(
            "List my chats with an agent",
            "GET",
            f"{API}/api/agents/{{{{agent_id}}}}/chats",
            status=200,
            tests=(
                header_test("X-Pagination"),
                json_test(
                    "includes the chat",
                    '    const id = pm.collectionVariables.get("chat_id");\n'
                    "    pm.expect(body.map((c) => c.id)).to.include(id);",
                ),
            ),
        ),
        request(
            "List my chats filtered by agent",
            "GET",
            f"{API}/api/chats?agent_id={{{{agent_id}}}}&page=1&page_size=10",
            status=200,
            tests=(
                header_test("X-Pagination"),
                json_test(
                    "has exactly my one chat",
                    "    pm.expect(body).to.have.lengthOf(1);\n"
                    '    pm.expect(body[0].id).to.eql(pm.collectionVariables.get("chat_id"));\n'
                    '    const page = JSON.parse(pm.response.headers.get("X-Pagination"));\n'
                    "    pm.expect(page.total).to.eql(1);",
                ),
            ),
        ),
        request(
            "List chats as the other user",
            "GET",
            f"{API}/api/chats",
            status=200,
            token="other_token",
            tests=(json_test("sees none of mine", "    pm.expect(body).to.have.lengthOf(0);"),),
        ),
        request("Get a chat", "GET", f"{API}/api/chats/{{{{chat_id}}}}", status=200),
        request(
            "Get another user's chat",
            "GET",
            f"{API}/api/chats/{{{{chat_id}}}}",
            status=404,
            token="other_token",
        ),
        request(
            "Get a user's chat as a guest",
            "GET",
            f"{API}/api/chats/{{{{chat_id}}}}",
            status=404,
            token="guest_token",
        ),
        request(
            "Rename a chat",
            "PATCH",
            f"{API}/api/chats/{{{{chat_id}}}}",
            status=200,
            body={"title": "Renamed by Postman"},
            tests=(
                json_test(
                    "has the new title", '    pm.expect(body.title).to.eql("Renamed by Postman");'
                ),
            ),
        ),
        request(
            "Rename a chat without a title",
            "PATCH",
            f"{API}/api/chats/{{{{chat_id}}}}",
            status=422,
            body={},
            tests=(error_fields_test("title"),),
        ),
        request(
            "Guest starts a chat with the public agent",
            "POST",
            f"{API}/api/agents/{{{{public_agent_id}}}}/chats",
            status=201,
            token="guest_token",
            body={},
            tests=(json_test("is a chat", f"    {save('guest_chat_id', 'body.id')}"),),
        ),
    )


def messages_folder() -> dict[str, Any]:
    turn_test = json_test(
        "stores the user message and the AI reply",
        '    pm.expect(body.user_message.message_by).to.eql("USER");\n'
        '    pm.expect(body.user_message.content).to.eql("Hello from Postman");\n'
        '    pm.expect(body.ai_message.message_by).to.eql("AI");\n'
        "    pm.expect(body.ai_message.content).to.be.a('string').and.not.empty;\n"
        "    pm.expect(body.ai_message.id).to.be.above(body.user_message.id);",
    )
    return folder(
        "Messages",
        "Text turns: the user message and the AI reply are stored together.",
        request(
            "Send a message",
            "POST",
            f"{API}/api/chats/{{{{chat_id}}}}/messages",
            status=201,
            body={"content": "Hello from Postman"},
            tests=(turn_test, count_turn()),
        ),
        request(
            "Send a message without content",
            "POST",
            f"{API}/api/chats/{{{{chat_id}}}}/messages",
            status=422,
            body={},
            tests=(error_fields_test("content"),),
        ),
        request(
            "Send too long a message",
            "POST",
            f"{API}/api/chats/{{{{chat_id}}}}/messages",
            status=(413, 422),
            raw='{"content": "{{long_content}}"}',
            prerequest='pm.collectionVariables.set("long_content", "a".repeat(4001));',
        ),
        request(
            "Send a message without a token",
            "POST",
            f"{API}/api/chats/{{{{chat_id}}}}/messages",
            status=401,
            token=None,
            body={"content": "Hello"},
        ),
        request(
            "Send a message to another user's chat",
            "POST",
            f"{API}/api/chats/{{{{chat_id}}}}/messages",
            status=404,
            token="other_token",
            body={"content": "Hello"},
        ),
        request(
            "Ask again when the reply exists",
            "POST",
            f"{API}/api/chats/{{{{chat_id}}}}/messages/retry",
            status=409,
        ),
        request(
            "Ask again in another user's chat",
            "POST",
            f"{API}/api/chats/{{{{chat_id}}}}/messages/retry",
            status=404,
            token="other_token",
        ),
        request(
            "List messages",
            "GET",
            f"{API}/api/chats/{{{{chat_id}}}}/messages",
            status=200,
            tests=(
                header_test("X-Pagination"),
                json_test(
                    "oldest first, user then AI",
                    "    pm.expect(body).to.have.lengthOf(2);\n"
                    '    pm.expect(body.map((m) => m.message_by)).to.eql(["USER", "AI"]);',
                ),
            ),
        ),
        request(
            "List messages with too big a page",
            "GET",
            f"{API}/api/chats/{{{{chat_id}}}}/messages?page_size=101",
            status=422,
        ),
        request(
            "List another user's messages",
            "GET",
            f"{API}/api/chats/{{{{chat_id}}}}/messages",
            status=404,
            token="other_token",
        ),
        request(
            "Guest sends a message",
            "POST",
            f"{API}/api/chats/{{{{guest_chat_id}}}}/messages",
            status=201,
            token="guest_token",
            body={"content": "Hello from Postman"},
            tests=(turn_test,),
        ),
    )


def voice_folder() -> dict[str, Any]:
    audio = [{"key": "audio", "type": "file", "src": "sample.wav"}]
    return folder(
        "Voice turns",
        "Push-to-talk turns (multipart `audio`) and streamed text replies (server-sent events). "
        "Run newman with `--working-dir postman` so `sample.wav` is found.",
        request(
            "Voice turn (JSON answer)",
            "POST",
            f"{VOICE}/voice/chats/{{{{chat_id}}}}/messages",
            status=201,
            formdata=audio,
            headers={"Accept": "application/json"},
            tests=(
                json_test(
                    "has the transcript, the reply and the spoken audio",
                    '    pm.expect(body.user_message.message_by).to.eql("USER");\n'
                    "    pm.expect(body.user_message.content).to.be.a('string').and.not.empty;\n"
                    '    pm.expect(body.ai_message.message_by).to.eql("AI");\n'
                    "    pm.expect(body.audio_mime_type).to.match(/^audio\\//);\n"
                    "    pm.expect(body.audio_base64).to.be.a('string').and.not.empty;",
                ),
                count_turn(),
            ),
        ),
        request(
            "Voice turn (audio answer)",
            "POST",
            f"{VOICE}/voice/chats/{{{{chat_id}}}}/messages",
            status=201,
            formdata=audio,
            tests=(
                'pm.test("is audio", () => pm.expect(pm.response.headers.get("Content-Type"))'
                ".to.match(/^audio\\//));",
                header_test("X-User-Message-Id"),
                header_test("X-AI-Message-Id"),
                header_test("X-Transcript"),
                header_test("X-Reply-Text"),
                'pm.test("has audio bytes", () => '
                "pm.expect(pm.response.responseSize).to.be.above(0));",
                count_turn(),
            ),
        ),
        request(
            "Voice turn without a token",
            "POST",
            f"{VOICE}/voice/chats/{{{{chat_id}}}}/messages",
            status=401,
            token=None,
            formdata=audio,
            headers={"Accept": "application/json"},
        ),
        request(
            "Voice turn in another user's chat",
            "POST",
            f"{VOICE}/voice/chats/{{{{chat_id}}}}/messages",
            status=404,
            token="other_token",
            formdata=audio,
            headers={"Accept": "application/json"},
        ),
        request(
            "Voice turn with a file that is not audio",
            "POST",
            f"{VOICE}/voice/chats/{{{{chat_id}}}}/messages",
            status=(415, 422),
            formdata=[{"key": "audio", "type": "file", "src": "not-audio.txt"}],
            headers={"Accept": "application/json"},
        ),
        request(
            "Voice turn without audio",
            "POST",
            f"{VOICE}/voice/chats/{{{{chat_id}}}}/messages",
            status=(400, 415, 422),
            formdata=[{"key": "note", "type": "text", "value": "no audio field"}],
            headers={"Accept": "application/json"},
        ),
        request(
            "Stream a reply",
            "POST",
            f"{VOICE}/voice/chats/{{{{chat_id}}}}/messages/stream",
            status=200,
            body={"content": "Stream a reply, please"},
            headers={"Accept": "text/event-stream"},
            tests=(
                'pm.test("is an event stream", () => pm.expect(pm.response.headers.get'
                '("Content-Type")).to.include("text/event-stream"));',
                """
pm.test("sends deltas, then done with both stored messages", function () {
    const text = pm.response.text();
    pm.expect(text).to.include("event: delta");
    const done = text.split(/\\r?\\n\\r?\\n/).find((e) => e.includes("event: done"));
    pm.expect(done, "a done event").to.be.a("string");
    const data = JSON.parse(done.split(/\\r?\\n/).filter((l) => l.startsWith("data:"))
        .map((l) => l.slice(5).trim()).join("\\n"));
    pm.expect(data.user_message.content).to.eql("Stream a reply, please");
    pm.expect(data.ai_message.message_by).to.eql("AI");
    pm.collectionVariables.set("ai_message_id", data.ai_message.id);
});
""",
                count_turn(),
            ),
        ),
        request(
            "Stream with empty content",
            "POST",
            f"{VOICE}/voice/chats/{{{{chat_id}}}}/messages/stream",
            status=422,
            body={"content": ""},
        ),
        request(
            "Stream without a token",
            "POST",
            f"{VOICE}/voice/chats/{{{{chat_id}}}}/messages/stream",
            status=401,
            token=None,
            body={"content": "Hello"},
        ),
        request(
            "Stream in another user's chat",
            "POST",
            f"{VOICE}/voice/chats/{{{{chat_id}}}}/messages/stream",
            status=404,
            token="other_token",
            body={"content": "Hello"},
        ),
        request(
            "Stream in a user's chat as a guest",
            "POST",
            f"{VOICE}/voice/chats/{{{{chat_id}}}}/messages/stream",
            status=404,
            token="guest_token",
            body={"content": "Hello"},
        ),
        *read_aloud_requests(),
    )


def read_aloud_requests() -> tuple[dict[str, Any], ...]:
    url = f"{VOICE}/voice/chats/{{{{chat_id}}}}/messages/{{{{ai_message_id}}}}/speech"
    return (
        request(
            "Read a message aloud",
            "GET",
            url,
            status=200,
            tests=(
                'pm.test("is audio", () => pm.expect(pm.response.headers.get'
                '("Content-Type")).to.match(/^audio\\//));',
                header_test("X-Speech-Cache"),
            ),
        ),
        request(
            "Read a message aloud again (from the cache)",
            "GET",
            url,
            status=200,
            tests=(
                'pm.test("served from the cache", () => pm.expect(pm.response.headers.get'
                '("X-Speech-Cache")).to.eql("hit"));',
            ),
        ),
        request("Read aloud in another user's chat", "GET", url, status=404, token="other_token"),
    )


def cleanup_folder() -> dict[str, Any]:
    return folder(
        "Cleanup and logout",
        "Every stored turn is listed; deletes cascade; revoked tokens are refused.",
        request(
            "Every stored turn is listed",
            "GET",
            f"{API}/api/chats/{{{{chat_id}}}}/messages?page_size=100",
            status=200,
            tests=(
                json_test(
                    "has two messages per turn, alternating USER and AI",
                    '    const turns = pm.collectionVariables.get("expected_messages");\n'
                    "    const expected = Number(turns);\n"
                    "    pm.expect(body).to.have.lengthOf(expected);\n"
                    "    body.forEach((m, i) =>\n"
                    "        pm.expect(m.message_by).to.eql(i % 2 ? 'AI' : 'USER'));",
                ),
            ),
        ),
        request(
            "Delete another user's chat",
            "DELETE",
            f"{API}/api/chats/{{{{chat_id}}}}",
            status=404,
            token="other_token",
        ),
        request("Delete a chat", "DELETE", f"{API}/api/chats/{{{{chat_id}}}}", status=204),
        request("Get a deleted chat", "GET", f"{API}/api/chats/{{{{chat_id}}}}", status=404),
        request(
            "Delete another user's agent",
            "DELETE",
            f"{API}/api/agents/{{{{agent_id}}}}",
            status=404,
            token="other_token",
        ),
        request(
            "Delete a public agent I do not own",
            "DELETE",
            f"{API}/api/agents/{{{{public_agent_id}}}}",
            status=403,
        ),
        request("Delete an agent", "DELETE", f"{API}/api/agents/{{{{agent_id}}}}", status=204),
        request("Get a deleted agent", "GET", f"{API}/api/agents/{{{{agent_id}}}}", status=404),
        request(
            "End all sessions as a guest",
            "POST",
            f"{API}/api/auth/logout-all",
            status=403,
            token="guest_token",
        ),
        request(
            "End all sessions of the other user",
            "POST",
            f"{API}/api/auth/logout-all",
            status=204,
            token="other_token",
        ),
        request(
            "Me as the other user after ending all sessions",
            "GET",
            f"{API}/api/auth/me",
            status=401,
            token="other_token",
        ),
        request("Log out", "POST", f"{API}/api/auth/logout", status=204),
        request("Me with a revoked token", "GET", f"{API}/api/auth/me", status=401),
        request(  # logout ended every token of that login, the refresh token included
            "Log out the refresh token of the same login",
            "POST",
            f"{API}/api/auth/logout",
            status=401,
            token="refresh_token",
        ),
        request(
            "Refresh with a revoked refresh token",
            "POST",
            f"{API}/api/auth/refresh",
            status=401,
            token="refresh_token",
        ),
    )


def voice_revocation_folder() -> dict[str, Any]:
    return folder(
        "Voice refuses revoked tokens",
        "A token revoked through the API is refused by the voice service too.",
        request(
            "Stream with a revoked token",
            "POST",
            f"{VOICE}/voice/chats/{{{{guest_chat_id}}}}/messages/stream",
            status=401,
            body={"content": "Hello"},
        ),
        request(
            "Voice turn with a revoked token",
            "POST",
            f"{VOICE}/voice/chats/{{{{guest_chat_id}}}}/messages",
            status=401,
            formdata=[{"key": "audio", "type": "file", "src": "sample.wav"}],
            headers={"Accept": "application/json"},
        ),
    )


def models_folder() -> dict[str, Any]:
    """Model lifecycle: the upstream's models and voices, warnings, the agent allow-lists."""
    return folder(
        "Models",
        "The models (with shutdown dates) and voices an agent may use; lifecycle warnings in "
        "both health endpoints; models outside the allow-list are refused for non-admins.",
        request(
            "List models and voices",
            "GET",
            f"{API}/api/models",
            status=200,
            tests=(
                json_test(
                    "models with shutdown dates, voices, defaults and warnings",
                    "    pm.expect(body.models).to.be.an('array');\n"
                    "    body.models.forEach((m) =>\n"
                    "        pm.expect(m).to.have.keys('id', 'shutdown_date'));\n"
                    "    pm.expect(body.voices).to.be.an('array').and.not.empty;\n"
                    "    pm.expect(body.default_model).to.be.a('string');\n"
                    "    pm.expect(body.speech_api)\n"
                    "        .to.be.oneOf(['speech', 'realtime', 'offline']);\n"
                    "    pm.expect(body.warnings).to.be.an('array');",
                ),
            ),
        ),
        request("List models without a token", "GET", f"{API}/api/models", status=401, token=None),
        request(
            "Create an agent with a model outside the allow-list",
            "POST",
            f"{API}/api/agents",
            status=422,
            body={"name": "Costly", "prompt": "Answer.", "model": "not-an-allowed-model"},
            tests=(error_fields_test("model"),),
        ),
        request(
            "API health lists model warnings",
            "GET",
            f"{API}/api/health",
            status=200,
            token=None,
            tests=(
                json_test("warnings is a list", "    pm.expect(body.warnings).to.be.an('array');"),
            ),
        ),
        request(
            "Voice health lists model warnings",
            "GET",
            f"{VOICE}/voice/health",
            status=200,
            token=None,
            tests=(
                json_test("warnings is a list", "    pm.expect(body.warnings).to.be.an('array');"),
            ),
        ),
    )


def chat_ux_folder() -> dict[str, Any]:
    """Guest chats kept on sign-up, search, export and import (issue 17)."""
    ux_user = {"username": "{{ux_username}}", "password": "{{password}}"}
    return folder(
        "Chat UX",
        "A guest's chats move to the account it signs up with (claimed_chats); agent cards "
        "show everyone the description, only the owner the prompt.",
        request(
            "Guest token to keep on sign-up",
            "POST",
            f"{API}/api/auth/guest",
            status=201,
            token=None,
            tests=(
                json_test("returns a token", f"    {save('ux_guest_token', 'body.access_token')}"),
            ),
        ),
        request(
            "Guest starts a chat to keep",
            "POST",
            f"{API}/api/agents/{{{{public_agent_id}}}}/chats",
            status=201,
            token="ux_guest_token",
            body={"title": "Kept on sign-up"},
            tests=(json_test("is a chat", f"    {save('ux_chat_id', 'body.id')}"),),
        ),
        request(
            "Register with a guest token keeps its chats",
            "POST",
            f"{API}/api/auth/register",
            status=201,
            token="ux_guest_token",
            body=ux_user,
            prerequest=(
                'const name = pm.collectionVariables.get("run_username") + "_ux";\n'
                'pm.collectionVariables.set("ux_username", name);'
            ),
            tests=(json_test("claims one chat", "    pm.expect(body.claimed_chats).to.eql(1);"),),
        ),
        request(
            "Log in as the user who kept the guest's chat",
            "POST",
            f"{API}/api/auth/login",
            status=200,
            token=None,
            body=ux_user,
            tests=(
                json_test(
                    "claims nothing more",
                    "    pm.expect(body.claimed_chats).to.eql(0);\n"
                    f"    {save('ux_token', 'body.access_token')}",
                ),
            ),
        ),
        request(
            "The kept chat is the account's",
            "GET",
            f"{API}/api/chats/{{{{ux_chat_id}}}}",
            status=200,
            token="ux_token",
        ),
        request(
            "The claimed guest token is revoked",
            "GET",
            f"{API}/api/chats",
            status=401,
            token="ux_guest_token",
        ),
        request(
            "Search my chats by title",
            "GET",
            f"{API}/api/chats?q=KEPT%20sign&page=1&page_size=10",
            status=200,
            token="ux_token",
            tests=(
                header_test("X-Pagination"),
                json_test(
                    "finds the kept chat, title match has no snippet",
                    '    const kept = pm.collectionVariables.get("ux_chat_id");\n'
                    "    pm.expect(body.map((c) => c.id)).to.include(kept);\n"
                    "    pm.expect(body[0].snippet).to.eql(null);",
                ),
            ),
        ),
        request(
            "Search my chats by message text",
            "GET",
            f"{API}/api/chats?q=POSTMAN",
            status=200,
            tests=(
                json_test(
                    "each hit is a chat with a plain-text snippet or null",
                    "    body.forEach((chat) => {\n"
                    "        pm.expect(chat.id).to.be.a('number');\n"
                    "        if (chat.snippet !== null) {\n"
                    "            pm.expect(chat.snippet.text).to.be.a('string');\n"
                    "            pm.expect(chat.snippet.highlights).to.be.an('array');\n"
                    "        }\n"
                    "    });",
                ),
            ),
        ),
        request(
            "Search finds nothing in other users' chats",
            "GET",
            f"{API}/api/chats?q=kept",
            status=200,
            token="other_token",
            tests=(json_test("is empty", "    pm.expect(body).to.have.lengthOf(0);"),),
        ),
        request(
            "Search with an over-long query",
            "GET",
            f"{API}/api/chats?q={'x' * 201}",
            status=422,
            tests=(
                json_test(
                    "names the q parameter",
                    "    pm.expect(body.errors.query).to.have.property('q');",
                ),
            ),
        ),
        request(
            "Export a chat as Markdown",
            "GET",
            f"{API}/api/chats/{{{{ux_chat_id}}}}/export?format=markdown",
            status=200,
            token="ux_token",
            tests=(
                header_test("Content-Disposition"),
                'pm.test("is Markdown with the title", () => {\n'
                '    const type = pm.response.headers.get("Content-Type");\n'
                '    pm.expect(type).to.include("text/markdown");\n'
                '    pm.expect(pm.response.text()).to.include("# Kept on sign-up");\n'
                "});",
            ),
        ),
        request(
            "Export another user's chat",
            "GET",
            f"{API}/api/chats/{{{{ux_chat_id}}}}/export?format=json",
            status=404,
            token="other_token",
        ),
        request(
            "Export all my chats",
            "GET",
            f"{API}/api/chats/export",
            status=200,
            token="ux_token",
            tests=(
                header_test("Content-Disposition"),
                json_test(
                    "is an export file with the kept chat",
                    '    pm.expect(body.format).to.eql("agent-chatbot.chats");\n'
                    "    pm.expect(body.chats).to.have.lengthOf(1);\n"
                    f"    {save('ux_export', 'JSON.stringify(body)')}",
                ),
            ),
        ),
        request(
            "Import the export file",
            "POST",
            f"{API}/api/chats/import",
            status=201,
            token="ux_token",
            raw="{{ux_export}}",
            tests=(
                json_test(
                    "adds the chat as a new one",
                    "    pm.expect(body.imported_chats).to.eql(1);\n"
                    '    const kept = pm.collectionVariables.get("ux_chat_id");\n'
                    "    pm.expect(body.chats[0].id).to.not.eql(kept);",
                ),
            ),
        ),
        request(
            "Import a file of another format",
            "POST",
            f"{API}/api/chats/import",
            status=422,
            token="ux_token",
            body={"format": "other", "version": 1, "chats": []},
            tests=(error_fields_test("format"),),
        ),
        request(
            "Create an agent card",
            "POST",
            f"{API}/api/agents",
            status=201,
            token="ux_token",
            body={
                "name": "Postman chef",
                "prompt": "A private system prompt.",
                "is_public": True,
                "description": "Quick recipes.",
                "starters": ["What can I cook in 15 minutes?"],
                "avatar_emoji": "🍳",
                "avatar_color": "#ff8800",
            },
            tests=(
                json_test(
                    "the owner sees the prompt and may edit",
                    '    pm.expect(body.prompt).to.eql("A private system prompt.");\n'
                    "    pm.expect(body.can_edit).to.eql(true);\n"
                    "    pm.expect(body.starters).to.have.lengthOf(1);\n"
                    f"    {save('ux_agent_id', 'body.id')}",
                ),
            ),
        ),
        request(
            "Create an agent card with five starters",
            "POST",
            f"{API}/api/agents",
            status=422,
            token="ux_token",
            body={"name": "Too many", "prompt": "p", "starters": ["1", "2", "3", "4", "5"]},
            tests=(error_fields_test("starters"),),
        ),
        request(
            "Another user sees the card without the prompt",
            "GET",
            f"{API}/api/agents/{{{{ux_agent_id}}}}",
            status=200,
            token="other_token",
            tests=(
                json_test(
                    "prompt is null, description shown",
                    "    pm.expect(body.prompt).to.eql(null);\n"
                    "    pm.expect(body.can_edit).to.eql(false);\n"
                    '    pm.expect(body.description).to.eql("Quick recipes.");',
                ),
            ),
        ),
        request(
            "A guest lists agents without their prompts",
            "GET",
            f"{API}/api/agents?page_size=100",
            status=200,
            token="guest_token",
            tests=(
                json_test(
                    "no prompt is shown",
                    "    body.forEach((agent) => pm.expect(agent.prompt).to.eql(null));",
                ),
            ),
        ),
    )


def hardening_folder() -> dict[str, Any]:
    """Bodies, names, schemes and headers both services treat alike (issue 13)."""
    reason = (
        "    pm.expect(body.errors.reason).to.eql(pm.response.code === 400 ? "
        "'invalid_body' : 'validation');"
    )
    return folder(
        "Hardening",
        "Undecodable and unstorable bodies, odd usernames, the bearer scheme in any case and the "
        "security headers of the docs page.",
        request(
            "Register a username ending in a newline",
            "POST",
            f"{API}/api/auth/register",
            status=422,
            token=None,
            body={"username": "alice\n", "password": "pass-word-1"},
        ),
        request(
            "Create an agent with JSON nested 40 deep",
            "POST",
            f"{API}/api/agents",
            status=400,
            raw='{"name": ' + "[" * 40 + "]" * 40 + "}",
            tests=(json_test("the reason is invalid_body", reason),),
        ),
        request(
            "Create an agent whose name holds a NUL character",
            "POST",
            f"{API}/api/agents",
            status=422,
            raw='{"name": "a\\u0000b", "prompt": "p"}',
            tests=(json_test("the reason is validation", reason),),
        ),
        request(
            "Me with a lower-case bearer scheme",
            "GET",
            f"{API}/api/auth/me",
            status=200,
            token=None,
            headers={"Authorization": "bearer {{access_token}}"},
        ),
        request(
            "Docs page with its security headers",
            "GET",
            f"{API}/api/docs",
            status=200,
            token=None,
            tests=(
                header_test("X-Content-Type-Options"),
                'pm.test("the CSP allows only hashed inline scripts", () => {\n'
                "    const csp = pm.response.headers.get('Content-Security-Policy');\n"
                "    pm.expect(csp).to.include(\"frame-ancestors 'none'\");\n"
                '    pm.expect(csp).to.include("\'sha256-");\n'
                "    pm.expect(csp).to.not.include('unsafe-inline');\n"
                "});",
            ),
        ),
    )


# --- Usage, budgets and administration (issue 18) ---------------------------------------------
# The admin requests log in as the environment's admin_username/admin_password (create it with
# `flask --app api create-superuser`; bin/postman-check does). They run last, after the user's
# own folders, because disabling the second user ends its tokens.


def usage_folder() -> dict[str, Any]:
    return folder(
        "Usage and budgets",
        "The caller's token budgets over the rolling day (limit null = unlimited).",
        request(
            "Usage as a guest",
            "GET",
            f"{API}/api/usage",
            status=200,
            token="guest_token",
            tests=(
                json_test(
                    "lists the guest's budgets",
                    "    pm.expect(body.window_hours).to.eql(24);\n"
                    "    const names = body.budgets.map((b) => b.name);\n"
                    "    pm.expect(names).to.include('guest');",
                ),
            ),
        ),
        request("Usage without a token", "GET", f"{API}/api/usage", status=401, token=None),
    )


def admin_refusals() -> list[dict[str, Any]]:
    user_path = f"{API}/api/admin/users/{{{{other_user_id}}}}"
    refusals = []
    for who, token, status in (("a user", "other_token", 403), ("a guest", "guest_token", 403)):
        refusals += [
            request(
                f"Admin users as {who}", "GET", f"{API}/api/admin/users", status=status, token=token
            ),
            request(f"Admin user as {who}", "GET", user_path, status=status, token=token),
            request(
                f"Disable a user as {who}",
                "PATCH",
                user_path,
                status=status,
                token=token,
                body={"disabled": True},
            ),
            request(
                f"Admin usage as {who}", "GET", f"{API}/api/admin/usage", status=status, token=token
            ),
        ]
    return refusals


def admin_folder() -> dict[str, Any]:
    user_path = f"{API}/api/admin/users/{{{{other_user_id}}}}"
    return folder(
        "Administration",
        "Admins only: 403 for users and guests, 401 without a token. Lists accounts with "
        "their usage, disables and enables the second user (its tokens are refused by both "
        "services at once), reads usage totals.",
        request(
            "Admin log in",
            "POST",
            f"{API}/api/auth/login",
            status=200,
            token=None,
            body={"username": "{{admin_username}}", "password": "{{admin_password}}"},
            tests=(save("admin_token", "pm.response.json().access_token"),),
        ),
        request(  # the cleanup folder ended the second user's sessions: a fresh login
            "Log the second user in again",
            "POST",
            f"{API}/api/auth/login",
            status=200,
            token=None,
            body={"username": "{{other_username}}", "password": "{{password}}"},
            tests=(save("other_token", "pm.response.json().access_token"),),
        ),
        request(
            "Admin users: search the second user",
            "GET",
            f"{API}/api/admin/users?q={{{{other_username}}}}",
            status=200,
            token="admin_token",
            tests=(
                header_test("X-Pagination"),
                json_test(
                    "finds exactly that user, with usage",
                    "    pm.expect(body).to.have.lengthOf(1);\n"
                    '    const name = pm.collectionVariables.get("other_username");\n'
                    "    pm.expect(body[0].username).to.eql(name);\n"
                    "    pm.expect(body[0].tokens_today).to.be.a('number');\n"
                    '    pm.collectionVariables.set("other_user_id", body[0].id);',
                ),
            ),
        ),
        *admin_refusals(),
        request(
            "Admin users without a token", "GET", f"{API}/api/admin/users", status=401, token=None
        ),
        request("Admin user", "GET", user_path, status=200, token="admin_token"),
        request(
            "Admin user that does not exist",
            "GET",
            f"{API}/api/admin/users/999999999",
            status=404,
            token="admin_token",
        ),
        request(
            "Disable with a bad body",
            "PATCH",
            user_path,
            status=422,
            token="admin_token",
            body={"disabled": "soon"},
        ),
        request(
            "Disable the second user",
            "PATCH",
            user_path,
            status=200,
            token="admin_token",
            body={"disabled": True},
            tests=(json_test("is disabled", "    pm.expect(body.disabled).to.eql(true);"),),
        ),
        request(
            "A disabled user's token is refused",
            "GET",
            f"{API}/api/auth/me",
            status=401,
            token="other_token",
        ),
        request(
            "Voice refuses a disabled user's token",
            "POST",
            f"{VOICE}/voice/chats/{{{{guest_chat_id}}}}/messages/stream",
            status=401,
            token="other_token",
            body={"content": "Hello"},
        ),
        request(
            "Enable the second user",
            "PATCH",
            user_path,
            status=200,
            token="admin_token",
            body={"disabled": False},
            tests=(json_test("is enabled", "    pm.expect(body.disabled).to.eql(false);"),),
        ),
        request(
            "Usage totals by model",
            "GET",
            f"{API}/api/admin/usage?group_by=model&days=7",
            status=200,
            token="admin_token",
            tests=(
                json_test(
                    "counts the turns of this run",
                    "    pm.expect(body).to.be.an('array').that.is.not.empty;\n"
                    "    pm.expect(body[0].tokens).to.be.above(0);",
                ),
            ),
        ),
        request(
            "Usage totals with a bad grouping",
            "GET",
            f"{API}/api/admin/usage?group_by=planet",
            status=422,
            token="admin_token",
        ),
    )


def collection() -> dict[str, Any]:
    variables = [
        "run_username",
        "other_username",
        "user_id",
        "access_token",
        "refresh_token",
        "tampered_token",
        "other_token",
        "guest_token",
        "public_agent_id",
        "agent_id",
        "chat_id",
        "guest_chat_id",
        "expected_messages",
        "long_content",
        "versions_chat_id",
        "v_user_id",
        "v_ai_id",
        "admin_token",
        "other_user_id",
    ]
    return {
        "info": {
            "name": "Agent Chatbot",
            "description": (
                "Every endpoint of the API (`{{api_url}}`, Flask) and the voice service "
                "(`{{voice_url}}`, Quart), happy and unhappy paths. Run it top to bottom "
                "(Runner or `bin/postman-check`); each run registers fresh users. Generated by "
                "`postman/build_collection.py`."
            ),
            "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
        },
        "auth": {"type": "noauth"},
        "event": [{"listen": "test", "script": script(COLLECTION_TESTS)}],
        "variable": [{"key": name, "value": ""} for name in variables],
        "item": [
            *service_folders(),
            auth_folder(),
            agents_folder(),
            models_folder(),
            chats_folder(),
            messages_folder(),
            chat_ux_folder(),
            voice_folder(),
            versions_folder(),
            hardening_folder(),
            cleanup_folder(),
            voice_revocation_folder(),
            usage_folder(),
            admin_folder(),
        ],
    }


# --- Turns: versions (API), and following, stopping and streamed versions (voice) ---
VERSIONS_CHAT = "{{versions_chat_id}}"


def sse_done_test(check: str) -> str:
    """The stream ends with `done`; `check` runs on its data (`data`)."""
    return (
        'pm.test("ends with done", function () {\n'
        "    const text = pm.response.text();\n"
        '    const done = text.split(/\\r?\\n\\r?\\n/).find((e) => e.includes("event: done"));\n'
        '    pm.expect(done, "a done event").to.be.a("string");\n'
        '    const data = JSON.parse(done.split(/\\r?\\n/).filter((l) => l.startsWith("data:"))\n'
        '        .map((l) => l.slice(5).trim()).join("\\n"));\n'
        f"{check}\n"
        "});"
    )


def reason_test(reason: str) -> str:
    return json_test(
        f"reason is {reason}", f'    pm.expect(body.errors.reason).to.eql("{reason}");'
    )


def versions_folder() -> dict[str, Any]:
    message = f"{API}/api/chats/{VERSIONS_CHAT}/messages"
    voice = f"{VOICE}/voice/chats/{VERSIONS_CHAT}/messages"
    return folder(
        "Versions and replies",
        "Regenerate, edit and select versions (API); follow, stop, and the streamed "
        "regenerate and edit (voice). Nothing is deleted; the history follows the branch shown.",
        request(
            "Open a chat for versions",
            "POST",
            f"{API}/api/agents/{{{{agent_id}}}}/chats",
            status=201,
            body={},
            tests=(json_test("is a chat", f"    {save('versions_chat_id', 'body.id')}"),),
        ),
        request(
            "Send the first version",
            "POST",
            message,
            status=201,
            body={"content": "First version"},
            tests=(
                json_test(
                    "reply follows the question, complete",
                    "    pm.expect(body.ai_message.parent_id).to.eql(body.user_message.id);\n"
                    '    pm.expect(body.ai_message.status).to.eql("complete");\n'
                    "    pm.expect(body.ai_message.usage).to.be.an('object');\n"
                    f"    {save('v_user_id', 'body.user_message.id')}\n"
                    f"    {save('v_ai_id', 'body.ai_message.id')}",
                ),
            ),
        ),
        request(
            "Regenerate a reply",
            "POST",
            f"{message}/{{{{v_ai_id}}}}/regenerate",
            status=201,
            tests=(
                json_test(
                    "is version 2 of 2",
                    "    pm.expect(body.ai_message.version).to.eql(2);\n"
                    "    pm.expect(body.ai_message.version_count).to.eql(2);",
                ),
            ),
        ),
        request(
            "Regenerate a message that is not a reply",
            "POST",
            f"{message}/{{{{v_user_id}}}}/regenerate",
            status=409,
            tests=(reason_test("not_a_reply"),),
        ),
        request(
            "Regenerate in another user's chat",
            "POST",
            f"{message}/{{{{v_ai_id}}}}/regenerate",
            status=404,
            token="other_token",
        ),
        request(
            "Edit a message",
            "POST",
            f"{message}/{{{{v_user_id}}}}/edit",
            status=201,
            body={"content": "Second version"},
            tests=(
                json_test(
                    "is version 2 of the message",
                    "    pm.expect(body.user_message.version).to.eql(2);\n"
                    '    pm.expect(body.user_message.content).to.eql("Second version");',
                ),
            ),
        ),
        request(
            "Edit with empty content",
            "POST",
            f"{message}/{{{{v_user_id}}}}/edit",
            status=422,
            body={"content": ""},
        ),
        request(
            "Edit a reply",
            "POST",
            f"{message}/{{{{v_ai_id}}}}/edit",
            status=409,
            body={"content": "not mine"},
            tests=(reason_test("not_a_question"),),
        ),
        request(
            "Edit in another user's chat",
            "POST",
            f"{message}/{{{{v_user_id}}}}/edit",
            status=404,
            token="other_token",
            body={"content": "Hello"},
        ),
        request(
            "Select the first version again",
            "POST",
            f"{message}/{{{{v_user_id}}}}/select",
            status=200,
            body={"version": 1},
            tests=(json_test("is version 1", "    pm.expect(body.version).to.eql(1);"),),
        ),
        request(
            "Select a version that does not exist",
            "POST",
            f"{message}/{{{{v_user_id}}}}/select",
            status=404,
            body={"version": 9},
        ),
        request(
            "Select in another user's chat",
            "POST",
            f"{message}/{{{{v_user_id}}}}/select",
            status=404,
            token="other_token",
        ),
        request(
            "History follows the branch shown",
            "GET",
            message,
            status=200,
            tests=(
                json_test(
                    "the first version and its newest reply",
                    '    pm.expect(body.map((m) => m.content)[0]).to.eql("First version");\n'
                    "    pm.expect(body).to.have.lengthOf(2);\n"
                    "    pm.expect(body[1].version_count).to.eql(2);",
                ),
            ),
        ),
        request(
            "Follow a reply that has ended",
            "GET",
            f"{voice}/{{{{v_ai_id}}}}/events",
            status=200,
            headers={"Accept": "text/event-stream"},
            tests=(sse_done_test("    pm.expect(data.ai_message.status).to.eql('complete');"),),
        ),
        request(
            "Follow a reply in another user's chat",
            "GET",
            f"{voice}/{{{{v_ai_id}}}}/events",
            status=404,
            token="other_token",
        ),
        request(
            "Stop a reply that has ended",
            "POST",
            f"{voice}/{{{{v_ai_id}}}}/stop",
            status=409,
            tests=(reason_test("not_pending"),),
        ),
        request(
            "Stop a reply in another user's chat",
            "POST",
            f"{voice}/{{{{v_ai_id}}}}/stop",
            status=404,
            token="other_token",
        ),
        request(
            "Regenerate a reply, streamed",
            "POST",
            f"{voice}/{{{{v_ai_id}}}}/regenerate",
            status=200,
            headers={"Accept": "text/event-stream"},
            tests=(sse_done_test("    pm.expect(data.ai_message.version).to.eql(3);"),),
        ),
        request(
            "Regenerate a reply in another user's chat, streamed",
            "POST",
            f"{voice}/{{{{v_ai_id}}}}/regenerate",
            status=404,
            token="other_token",
        ),
        request(
            "Edit a message, streamed",
            "POST",
            f"{voice}/{{{{v_user_id}}}}/edit",
            status=200,
            body={"content": "Third version"},
            headers={"Accept": "text/event-stream"},
            tests=(sse_done_test("    pm.expect(data.user_message.version).to.eql(3);"),),
        ),
        request(
            "Edit a message with empty content, streamed",
            "POST",
            f"{voice}/{{{{v_user_id}}}}/edit",
            status=422,
            body={"content": ""},
        ),
    )


def main() -> None:
    COLLECTION.write_text(json.dumps(collection(), indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {COLLECTION.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
