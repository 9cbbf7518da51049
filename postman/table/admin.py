"""Usage, budgets and administration (issue 18).

The admin requests log in as the environment's admin_username/admin_password (create it with
`flask --app api create-superuser`; bin/postman-check does). They run last, after the user's
own folders, because disabling the second user ends its tokens.
"""

from __future__ import annotations

from .checks import (
    column_includes,
    equals,
    header,
    is_above,
    is_type,
    list_length,
    non_empty_list,
    saves,
    var,
)
from .rows import Folder, Row

USER = "/api/admin/users/{{other_user_id}}"

USAGE = Folder(
    "Usage and budgets",
    "The caller's token budgets and speech allowances over the rolling day (limit null = "
    "unlimited).",
    (
        Row(
            "Usage as a guest",
            "GET",
            "/api/usage",
            200,
            token="guest_token",
            checks=(
                equals("window_hours", 24),
                column_includes("name", "guest", "budgets"),
                column_includes("name", "guest_speech_characters", "budgets"),
            ),
        ),
        Row("Usage without a token", "GET", "/api/usage", 401, token=None),
    ),
)


def refusals(who: str, token: str) -> tuple[Row, ...]:
    """The admin endpoints refuse `who` (a user or a guest) with 403."""
    return (
        Row(f"Admin users as {who}", "GET", "/api/admin/users", 403, token=token),
        Row(f"Admin user as {who}", "GET", USER, 403, token=token),
        Row(f"Disable a user as {who}", "PATCH", USER, 403, token=token, body={"disabled": True}),
        Row(f"Admin usage as {who}", "GET", "/api/admin/usage", 403, token=token),
        Row(f"Tool servers as {who}", "GET", "/api/admin/tool-servers", 403, token=token),
    )


LOGINS = (
    Row(
        "Admin log in",
        "POST",
        "/api/auth/login",
        200,
        token=None,
        body={"username": "{{admin_username}}", "password": "{{admin_password}}"},
        checks=(saves("admin_token", "access_token"),),
    ),
    Row(  # the cleanup folder ended the second user's sessions: a fresh login
        "Log the second user in again",
        "POST",
        "/api/auth/login",
        200,
        token=None,
        body={"username": "{{other_username}}", "password": "{{password}}"},
        checks=(saves("other_token", "access_token"),),
    ),
    Row(
        "Admin users: search the second user",
        "GET",
        "/api/admin/users?q={{other_username}}",
        200,
        token="admin_token",
        checks=(
            header("X-Pagination"),
            list_length(1),
            equals("[0].username", var("other_username")),
            is_type("[0].tokens_today", "number"),
            saves("other_user_id", "[0].id"),
        ),
    ),
)

ACCOUNTS = (
    Row("Admin users without a token", "GET", "/api/admin/users", 401, token=None),
    Row("Admin user", "GET", USER, 200, token="admin_token"),
    Row(
        "Admin user that does not exist",
        "GET",
        "/api/admin/users/999999999",
        404,
        token="admin_token",
    ),
    Row(
        "Disable with a bad body",
        "PATCH",
        USER,
        422,
        token="admin_token",
        body={"disabled": "soon"},
    ),
    Row(
        "Disable the second user",
        "PATCH",
        USER,
        200,
        token="admin_token",
        body={"disabled": True},
        checks=(equals("disabled", True),),
    ),
    Row("A disabled user's token is refused", "GET", "/api/auth/me", 401, token="other_token"),
    Row(
        "Voice refuses a disabled user's token",
        "POST",
        "/voice/chats/{{guest_chat_id}}/messages/stream",
        401,
        token="other_token",
        body={"content": "Hello"},
    ),
    Row(
        "Enable the second user",
        "PATCH",
        USER,
        200,
        token="admin_token",
        body={"disabled": False},
        checks=(equals("disabled", False),),
    ),
)

TOTALS = (
    Row(
        "Usage totals by model",
        "GET",
        "/api/admin/usage?group_by=model&days=7",
        200,
        token="admin_token",
        checks=(non_empty_list(), is_above("[0].tokens", 0)),
    ),
    Row(
        "Tool servers and their state",
        "GET",
        "/api/admin/tool-servers",
        200,
        token="admin_token",
        checks=(is_type("", "array"),),
    ),
    Row(
        "Usage totals with a bad grouping",
        "GET",
        "/api/admin/usage?group_by=planet",
        422,
        token="admin_token",
    ),
)

ADMINISTRATION = Folder(
    "Administration",
    "Admins only: 403 for users and guests, 401 without a token. Lists accounts with "
    "their usage, disables and enables the second user (its tokens are refused by both "
    "services at once), reads usage totals.",
    (
        *LOGINS,
        *refusals("a user", "other_token"),
        *refusals("a guest", "guest_token"),
        *ACCOUNTS,
        *TOTALS,
    ),
)
