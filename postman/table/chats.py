"""Chats with an agent, and text turns in them."""

from __future__ import annotations

from .checks import (
    column_equals,
    column_includes,
    counts_turn,
    equals,
    error_fields,
    field,
    header,
    is_above,
    js,
    list_length,
    non_empty_string,
    saves,
    sets,
    var,
)
from .rows import Folder, Row

WITH_AGENT = "/api/agents/{{agent_id}}/chats"
CHAT = "/api/chats/{{chat_id}}"
MESSAGES = f"{CHAT}/messages"

FOLDER = Folder(
    "Chats",
    "Chats with an agent; a caller sees only their own (a guest only that guest's).",
    (
        Row(
            "Start a chat",
            "POST",
            WITH_AGENT,
            201,
            body={"title": "Postman chat"},
            checks=(
                equals("agent_id", var("agent_id")),
                equals("title", "Postman chat"),
                equals("imported_at", None),
                saves("chat_id", "id"),
                sets("expected_messages", 0),
            ),
        ),
        Row("Start a chat with an empty title", "POST", WITH_AGENT, 422, body={"title": ""}),
        Row(
            "Start a chat with another user's private agent",
            "POST",
            WITH_AGENT,
            404,
            token="other_token",
            body={"title": "Not mine"},
        ),
        Row(
            "List my chats with an agent",
            "GET",
            WITH_AGENT,
            200,
            checks=(header("X-Pagination"), column_includes("id", var("chat_id"))),
        ),
        Row(
            "List my chats filtered by agent",
            "GET",
            "/api/chats?agent_id={{agent_id}}&page=1&page_size=10",
            200,
            checks=(
                header("X-Pagination"),
                list_length(1),
                equals("[0].id", var("chat_id")),
                js(
                    "X-Pagination counts 1 chat",
                    'const page = JSON.parse(pm.response.headers.get("X-Pagination"));\n'
                    "pm.expect(page.total).to.eql(1);",
                    "none",
                ),
            ),
        ),
        Row(
            "List chats as the other user",
            "GET",
            "/api/chats",
            200,
            token="other_token",
            checks=(list_length(0),),
        ),
        Row("Get a chat", "GET", CHAT, 200),
        Row("Get another user's chat", "GET", CHAT, 404, token="other_token"),
        Row("Get a user's chat as a guest", "GET", CHAT, 404, token="guest_token"),
        Row(
            "Rename a chat",
            "PATCH",
            CHAT,
            200,
            body={"title": "Renamed by Postman"},
            checks=(equals("title", "Renamed by Postman"),),
        ),
        Row(
            "Rename a chat without a title",
            "PATCH",
            CHAT,
            422,
            body={},
            checks=(error_fields("title"),),
        ),
        Row(
            "Guest starts a chat with the public agent",
            "POST",
            "/api/agents/{{public_agent_id}}/chats",
            201,
            token="guest_token",
            body={},
            checks=(saves("guest_chat_id", "id"),),
        ),
    ),
)

TURN = (
    equals("user_message.message_by", "USER"),
    equals("user_message.content", "Hello from Postman"),
    equals("ai_message.message_by", "AI"),
    *non_empty_string("ai_message.content"),
    is_above("ai_message.id", field("user_message.id")),
)

MESSAGES_FOLDER = Folder(
    "Messages",
    "Text turns: the user message and the AI reply are stored together.",
    (
        Row(
            "Send a message",
            "POST",
            MESSAGES,
            201,
            body={"content": "Hello from Postman"},
            checks=(*TURN, counts_turn()),
        ),
        Row(
            "Send a message without content",
            "POST",
            MESSAGES,
            422,
            body={},
            checks=(error_fields("content"),),
        ),
        Row(
            "Send too long a message",
            "POST",
            MESSAGES,
            (413, 422),
            raw='{"content": "{{long_content}}"}',
            prerequest='pm.collectionVariables.set("long_content", "a".repeat(4001));',
        ),
        Row(
            "Send a message without a token",
            "POST",
            MESSAGES,
            401,
            token=None,
            body={"content": "Hello"},
        ),
        Row(
            "Send a message to another user's chat",
            "POST",
            MESSAGES,
            404,
            token="other_token",
            body={"content": "Hello"},
        ),
        Row("Ask again when the reply exists", "POST", f"{MESSAGES}/retry", 409),
        Row(
            "Ask again in another user's chat",
            "POST",
            f"{MESSAGES}/retry",
            404,
            token="other_token",
        ),
        Row(
            "List messages",
            "GET",
            MESSAGES,
            200,
            checks=(
                header("X-Pagination"),
                list_length(2),
                column_equals("message_by", ["USER", "AI"]),
            ),
        ),
        Row("List messages with too big a page", "GET", f"{MESSAGES}?page_size=101", 422),
        Row("List another user's messages", "GET", MESSAGES, 404, token="other_token"),
        Row(
            "Guest sends a message",
            "POST",
            "/api/chats/{{guest_chat_id}}/messages",
            201,
            token="guest_token",
            body={"content": "Hello from Postman"},
            checks=TURN,
        ),
    ),
)
