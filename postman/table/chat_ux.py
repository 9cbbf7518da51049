"""Guest chats kept on sign-up, search, export and import, agent cards (issue 17)."""

from __future__ import annotations

from .checks import (
    column_includes,
    content_type,
    differs,
    each_equals,
    equals,
    error_fields,
    header,
    is_type,
    js,
    list_length,
    saves,
    saves_json,
    text_includes,
    var,
)
from .rows import Folder, Row

UX_USER = {"username": "{{ux_username}}", "password": "{{password}}"}
UX_USERNAME = """
const name = pm.collectionVariables.get("run_username") + "_ux";
pm.collectionVariables.set("ux_username", name);
"""
KEPT_CHAT = "/api/chats/{{ux_chat_id}}"
CARD = {
    "name": "Postman chef",
    "prompt": "A private system prompt.",
    "is_public": True,
    "description": "Quick recipes.",
    "starters": ["What can I cook in 15 minutes?"],
    "avatar_emoji": "🍳",
    "avatar_color": "#ff8800",
}
SNIPPETS = """
body.forEach((chat) => {
    pm.expect(chat.id).to.be.a('number');
    if (chat.snippet !== null) {
        pm.expect(chat.snippet.text).to.be.a('string');
        pm.expect(chat.snippet.highlights).to.be.an('array');
    }
});
"""

KEEPING = (
    Row(
        "Guest token to keep on sign-up",
        "POST",
        "/api/auth/guest",
        201,
        token=None,
        checks=(saves("ux_guest_token", "access_token"),),
    ),
    Row(
        "Guest starts a chat to keep",
        "POST",
        "/api/agents/{{public_agent_id}}/chats",
        201,
        token="ux_guest_token",
        body={"title": "Kept on sign-up"},
        checks=(saves("ux_chat_id", "id"),),
    ),
    Row(
        "Register with a guest token keeps its chats",
        "POST",
        "/api/auth/register",
        201,
        token="ux_guest_token",
        body=UX_USER,
        prerequest=UX_USERNAME,
        checks=(equals("claimed_chats", 1),),
    ),
    Row(
        "Log in as the user who kept the guest's chat",
        "POST",
        "/api/auth/login",
        200,
        token=None,
        body=UX_USER,
        checks=(equals("claimed_chats", 0), saves("ux_token", "access_token")),
    ),
    Row("The kept chat is the account's", "GET", KEPT_CHAT, 200, token="ux_token"),
    Row("The claimed guest token is revoked", "GET", "/api/chats", 401, token="ux_guest_token"),
)

SEARCH = (
    Row(
        "Search my chats by title",
        "GET",
        "/api/chats?q=KEPT%20sign&page=1&page_size=10",
        200,
        token="ux_token",
        checks=(
            header("X-Pagination"),
            column_includes("id", var("ux_chat_id")),
            equals("[0].snippet", None),
        ),
    ),
    Row(
        "Search my chats by message text",
        "GET",
        "/api/chats?q=POSTMAN",
        200,
        checks=(js("each hit is a chat with a plain-text snippet or null", SNIPPETS),),
    ),
    Row(
        "Search finds nothing in other users' chats",
        "GET",
        "/api/chats?q=kept",
        200,
        token="other_token",
        checks=(list_length(0),),
    ),
    Row(
        "Search with an over-long query",
        "GET",
        f"/api/chats?q={'x' * 201}",
        422,
        checks=(error_fields("q", location="query"),),
    ),
)

EXPORT_IMPORT = (
    Row(
        "Export a chat as Markdown",
        "GET",
        f"{KEPT_CHAT}/export?format=markdown",
        200,
        token="ux_token",
        checks=(
            header("Content-Disposition"),
            content_type("text/markdown"),
            text_includes("# Kept on sign-up"),
        ),
    ),
    Row(
        "Export another user's chat",
        "GET",
        f"{KEPT_CHAT}/export?format=json",
        404,
        token="other_token",
    ),
    Row(
        "Export all my chats",
        "GET",
        "/api/chats/export",
        200,
        token="ux_token",
        checks=(
            header("Content-Disposition"),
            equals("format", "agent-chatbot.chats"),
            list_length(1, "chats"),
            saves_json("ux_export"),
        ),
    ),
    Row(
        "Import the export file",
        "POST",
        "/api/chats/import",
        201,
        token="ux_token",
        raw="{{ux_export}}",
        checks=(
            equals("imported_chats", 1),
            differs("chats[0].id", var("ux_chat_id")),
            is_type("chats[0].imported_at", "string"),
        ),
    ),
    Row(
        "Import a file of another format",
        "POST",
        "/api/chats/import",
        422,
        token="ux_token",
        body={"format": "other", "version": 1, "chats": []},
        checks=(error_fields("format"),),
    ),
)

CARDS = (
    Row(
        "Create an agent card",
        "POST",
        "/api/agents",
        201,
        token="ux_token",
        body=CARD,
        checks=(
            equals("prompt", "A private system prompt."),
            equals("can_edit", True),
            list_length(1, "starters"),
            saves("ux_agent_id", "id"),
        ),
    ),
    Row(
        "Create an agent card with five starters",
        "POST",
        "/api/agents",
        422,
        token="ux_token",
        body={"name": "Too many", "prompt": "p", "starters": ["1", "2", "3", "4", "5"]},
        checks=(error_fields("starters"),),
    ),
    Row(
        "Another user sees the card without the prompt",
        "GET",
        "/api/agents/{{ux_agent_id}}",
        200,
        token="other_token",
        checks=(
            equals("prompt", None),
            equals("can_edit", False),
            equals("description", "Quick recipes."),
        ),
    ),
    Row(
        "A guest lists agents without their prompts",
        "GET",
        "/api/agents?page_size=100",
        200,
        token="guest_token",
        checks=(each_equals("prompt", None),),
    ),
)

FOLDER = Folder(
    "Chat UX",
    "A guest's chats move to the account it signs up with (claimed_chats); agent cards "
    "show everyone the description, only the owner the prompt.",
    (*KEEPING, *SEARCH, *EXPORT_IMPORT, *CARDS),
)
