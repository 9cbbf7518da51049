"""Hardened inputs, then deleting what the run made and ending its sessions."""

from __future__ import annotations

from .checks import error_reason, header, js, list_length, var
from .rows import Folder, Row

CSP = """
const csp = pm.response.headers.get('Content-Security-Policy');
pm.expect(csp).to.include("frame-ancestors 'none'");
pm.expect(csp).to.include("'sha256-");
pm.expect(csp).to.not.include('unsafe-inline');
"""

HARDENING = Folder(
    "Hardening",
    "Undecodable and unstorable bodies, odd usernames, the bearer scheme in any case and the "
    "security headers of the docs page.",
    (
        Row(
            "Register a username ending in a newline",
            "POST",
            "/api/auth/register",
            422,
            token=None,
            body={"username": "alice\n", "password": "pass-word-1"},
        ),
        Row(
            "Create an agent with JSON nested 40 deep",
            "POST",
            "/api/agents",
            400,
            raw='{"name": ' + "[" * 40 + "]" * 40 + "}",
            checks=(error_reason("invalid_body"),),
        ),
        Row(
            "Create an agent whose name holds a NUL character",
            "POST",
            "/api/agents",
            422,
            raw='{"name": "a\\u0000b", "prompt": "p"}',
            checks=(error_reason("validation"),),
        ),
        Row(
            "Me with a lower-case bearer scheme",
            "GET",
            "/api/auth/me",
            200,
            token=None,
            headers={"Authorization": "bearer {{access_token}}"},
        ),
        Row(
            "Docs page with its security headers",
            "GET",
            "/api/docs",
            200,
            token=None,
            checks=(
                header("X-Content-Type-Options"),
                js("the CSP allows only hashed inline scripts", CSP, "none"),
            ),
        ),
    ),
)

ALTERNATING = "body.forEach((m, i) => pm.expect(m.message_by).to.eql(i % 2 ? 'AI' : 'USER'));"
CHAT = "/api/chats/{{chat_id}}"
AGENT = "/api/agents/{{agent_id}}"

DELETING = (
    Row(
        "Every stored turn is listed",
        "GET",
        f"{CHAT}/messages?page_size=100",
        200,
        checks=(
            list_length(var("expected_messages", number=True)),
            js("messages alternate USER and AI", ALTERNATING),
        ),
    ),
    Row("Delete another user's chat", "DELETE", CHAT, 404, token="other_token"),
    Row("Delete a chat", "DELETE", CHAT, 204),
    Row("Get a deleted chat", "GET", CHAT, 404),
    Row("Delete another user's agent", "DELETE", AGENT, 404, token="other_token"),
    Row("Delete a public agent I do not own", "DELETE", "/api/agents/{{public_agent_id}}", 403),
    Row("Delete an agent", "DELETE", AGENT, 204),
    Row("Get a deleted agent", "GET", AGENT, 404),
)

LOGGING_OUT = (
    Row("End all sessions as a guest", "POST", "/api/auth/logout-all", 403, token="guest_token"),
    Row(
        "End all sessions of the other user",
        "POST",
        "/api/auth/logout-all",
        204,
        token="other_token",
    ),
    Row(
        "Me as the other user after ending all sessions",
        "GET",
        "/api/auth/me",
        401,
        token="other_token",
    ),
    Row("Log out", "POST", "/api/auth/logout", 204),
    Row("Me with a revoked token", "GET", "/api/auth/me", 401),
    Row(  # logout ended every token of that login, the refresh token included
        "Log out the refresh token of the same login",
        "POST",
        "/api/auth/logout",
        401,
        token="refresh_token",
    ),
    Row(
        "Refresh with a revoked refresh token",
        "POST",
        "/api/auth/refresh",
        401,
        token="refresh_token",
    ),
)

CLEANUP = Folder(
    "Cleanup and logout",
    "Every stored turn is listed; deletes cascade; revoked tokens are refused.",
    (*DELETING, *LOGGING_OUT),
)
