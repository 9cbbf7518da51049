"""Versions of a turn: regenerate, edit, select (API); follow, stop, streamed versions (voice)."""

from __future__ import annotations

from .checks import equals, error_reason, field, from_done_event, is_type, list_length, saves
from .rows import Folder, Row

MESSAGES = "/api/chats/{{versions_chat_id}}/messages"
VOICE = "/voice/chats/{{versions_chat_id}}/messages"
REPLY = "{{v_ai_id}}"
QUESTION = "{{v_user_id}}"
EVENTS = {"Accept": "text/event-stream"}

API_VERSIONS = (
    Row(
        "Open a chat for versions",
        "POST",
        "/api/agents/{{agent_id}}/chats",
        201,
        body={},
        checks=(saves("versions_chat_id", "id"),),
    ),
    Row(
        "Send the first version",
        "POST",
        MESSAGES,
        201,
        body={"content": "First version"},
        checks=(
            equals("ai_message.parent_id", field("user_message.id")),
            equals("ai_message.status", "complete"),
            is_type("ai_message.usage", "object"),
            saves("v_user_id", "user_message.id"),
            saves("v_ai_id", "ai_message.id"),
        ),
    ),
    Row(
        "Regenerate a reply",
        "POST",
        f"{MESSAGES}/{REPLY}/regenerate",
        201,
        checks=(equals("ai_message.version", 2), equals("ai_message.version_count", 2)),
    ),
    Row(
        "Regenerate a message that is not a reply",
        "POST",
        f"{MESSAGES}/{QUESTION}/regenerate",
        409,
        checks=(error_reason("not_a_reply"),),
    ),
    Row(
        "Regenerate in another user's chat",
        "POST",
        f"{MESSAGES}/{REPLY}/regenerate",
        404,
        token="other_token",
    ),
    Row(
        "Edit a message",
        "POST",
        f"{MESSAGES}/{QUESTION}/edit",
        201,
        body={"content": "Second version"},
        checks=(
            equals("user_message.version", 2),
            equals("user_message.content", "Second version"),
        ),
    ),
    Row(
        "Edit with empty content", "POST", f"{MESSAGES}/{QUESTION}/edit", 422, body={"content": ""}
    ),
    Row(
        "Edit a reply",
        "POST",
        f"{MESSAGES}/{REPLY}/edit",
        409,
        body={"content": "not mine"},
        checks=(error_reason("not_a_question"),),
    ),
    Row(
        "Edit in another user's chat",
        "POST",
        f"{MESSAGES}/{QUESTION}/edit",
        404,
        token="other_token",
        body={"content": "Hello"},
    ),
    Row(
        "Select the first version again",
        "POST",
        f"{MESSAGES}/{QUESTION}/select",
        200,
        body={"version": 1},
        checks=(equals("version", 1),),
    ),
    Row(
        "Select a version that does not exist",
        "POST",
        f"{MESSAGES}/{QUESTION}/select",
        404,
        body={"version": 9},
    ),
    Row(
        "Select in another user's chat",
        "POST",
        f"{MESSAGES}/{QUESTION}/select",
        404,
        token="other_token",
    ),
    Row(
        "History follows the branch shown",
        "GET",
        MESSAGES,
        200,
        checks=(
            equals("[0].content", "First version"),
            list_length(2),
            equals("[1].version_count", 2),
        ),
    ),
)

VOICE_VERSIONS = (
    Row(
        "Follow a reply that has ended",
        "GET",
        f"{VOICE}/{REPLY}/events",
        200,
        headers=EVENTS,
        checks=from_done_event(equals("ai_message.status", "complete")),
    ),
    Row(
        "Follow a reply in another user's chat",
        "GET",
        f"{VOICE}/{REPLY}/events",
        404,
        token="other_token",
    ),
    Row(
        "Stop a reply that has ended",
        "POST",
        f"{VOICE}/{REPLY}/stop",
        409,
        checks=(error_reason("not_pending"),),
    ),
    Row(
        "Stop a reply in another user's chat",
        "POST",
        f"{VOICE}/{REPLY}/stop",
        404,
        token="other_token",
    ),
    Row(
        "Regenerate a reply, streamed",
        "POST",
        f"{VOICE}/{REPLY}/regenerate",
        200,
        headers=EVENTS,
        checks=from_done_event(equals("ai_message.version", 3)),
    ),
    Row(
        "Regenerate a reply in another user's chat, streamed",
        "POST",
        f"{VOICE}/{REPLY}/regenerate",
        404,
        token="other_token",
    ),
    Row(
        "Edit a message, streamed",
        "POST",
        f"{VOICE}/{QUESTION}/edit",
        200,
        body={"content": "Third version"},
        headers=EVENTS,
        checks=from_done_event(equals("user_message.version", 3)),
    ),
    Row(
        "Edit a message with empty content, streamed",
        "POST",
        f"{VOICE}/{QUESTION}/edit",
        422,
        body={"content": ""},
    ),
)

FOLDER = Folder(
    "Versions and replies",
    "Regenerate, edit and select versions (API); follow, stop, and the streamed "
    "regenerate and edit (voice). Nothing is deleted; the history follows the branch shown.",
    (*API_VERSIONS, *VOICE_VERSIONS),
)
