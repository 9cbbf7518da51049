"""Push-to-talk turns, streamed replies and read-aloud on the voice service."""

from __future__ import annotations

from .checks import (
    content_type,
    counts_turn,
    equals,
    from_done_event,
    header,
    header_equals,
    js,
    non_empty_string,
    saves,
    starts_with,
    text_includes,
)
from .rows import SAMPLE_AUDIO, Folder, Row

MESSAGES = "/voice/chats/{{chat_id}}/messages"
STREAM = f"{MESSAGES}/stream"
SPEECH = f"{MESSAGES}/{{{{ai_message_id}}}}/speech"
JSON_ANSWER = {"Accept": "application/json"}
EVENTS = {"Accept": "text/event-stream"}

TURNS = (
    Row(
        "Voice turn (JSON answer)",
        "POST",
        MESSAGES,
        201,
        form=SAMPLE_AUDIO,
        headers=JSON_ANSWER,
        checks=(
            equals("user_message.message_by", "USER"),
            *non_empty_string("user_message.content"),
            equals("ai_message.message_by", "AI"),
            starts_with("audio_mime_type", "audio/"),
            *non_empty_string("audio_base64"),
            counts_turn(),
        ),
    ),
    Row(
        "Voice turn (audio answer)",
        "POST",
        MESSAGES,
        201,
        form=SAMPLE_AUDIO,
        checks=(
            content_type("audio/"),
            header("X-User-Message-Id"),
            header("X-AI-Message-Id"),
            header("X-Transcript"),
            header("X-Reply-Text"),
            js("has audio bytes", "pm.expect(pm.response.responseSize).to.be.above(0);", "none"),
            counts_turn(),
        ),
    ),
    Row(
        "Voice turn without a token",
        "POST",
        MESSAGES,
        401,
        token=None,
        form=SAMPLE_AUDIO,
        headers=JSON_ANSWER,
    ),
    Row(
        "Voice turn in another user's chat",
        "POST",
        MESSAGES,
        404,
        token="other_token",
        form=SAMPLE_AUDIO,
        headers=JSON_ANSWER,
    ),
    Row(
        "Voice turn with a file that is not audio",
        "POST",
        MESSAGES,
        (415, 422),
        form=({"key": "audio", "type": "file", "src": "not-audio.txt"},),
        headers=JSON_ANSWER,
    ),
    Row(
        "Voice turn without audio",
        "POST",
        MESSAGES,
        (400, 415, 422),
        form=({"key": "note", "type": "text", "value": "no audio field"},),
        headers=JSON_ANSWER,
    ),
)

STREAMS = (
    Row(
        "Stream a reply",
        "POST",
        STREAM,
        200,
        body={"content": "Stream a reply, please"},
        headers=EVENTS,
        checks=(
            content_type("text/event-stream"),
            text_includes("event: delta"),
            *from_done_event(
                equals("user_message.content", "Stream a reply, please"),
                equals("ai_message.message_by", "AI"),
                saves("ai_message_id", "ai_message.id"),
            ),
            counts_turn(),
        ),
    ),
    Row("Stream with empty content", "POST", STREAM, 422, body={"content": ""}),
    Row("Stream without a token", "POST", STREAM, 401, token=None, body={"content": "Hello"}),
    Row(
        "Stream in another user's chat",
        "POST",
        STREAM,
        404,
        token="other_token",
        body={"content": "Hello"},
    ),
    Row(
        "Stream in a user's chat as a guest",
        "POST",
        STREAM,
        404,
        token="guest_token",
        body={"content": "Hello"},
    ),
)

READ_ALOUD = (
    Row(
        "Read a message aloud",
        "GET",
        SPEECH,
        200,
        checks=(content_type("audio/"), header("X-Speech-Cache")),
    ),
    Row(
        "Read a message aloud again (from the cache)",
        "GET",
        SPEECH,
        200,
        checks=(header_equals("X-Speech-Cache", "hit"),),
    ),
    Row("Read aloud in another user's chat", "GET", SPEECH, 404, token="other_token"),
)

FOLDER = Folder(
    "Voice turns",
    "Push-to-talk turns (multipart `audio`) and streamed text replies (server-sent events). "
    "Run newman with `--working-dir postman` so `sample.wav` is found.",
    (*TURNS, *STREAMS, *READ_ALOUD),
)

REVOCATION = Folder(
    "Voice refuses revoked tokens",
    "A token revoked through the API is refused by the voice service too.",
    (
        Row(
            "Stream with a revoked token",
            "POST",
            "/voice/chats/{{guest_chat_id}}/messages/stream",
            401,
            body={"content": "Hello"},
        ),
        Row(
            "Voice turn with a revoked token",
            "POST",
            "/voice/chats/{{guest_chat_id}}/messages",
            401,
            form=SAMPLE_AUDIO,
            headers=JSON_ANSWER,
        ),
    ),
)
