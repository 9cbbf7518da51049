"""Voice turns (audio in, audio out) and streamed text replies."""

from __future__ import annotations

import base64
from urllib.parse import quote

from quart import Blueprint, Response, jsonify, request
from quart_schema import (
    DataSource,
    document_request,
    document_response,
    tag,
    validate_request,
)

from shared import quotas
from shared.ratelimit import reply_checks
from shared.validation import MAX_ID, bounded_text
from voice.auth import current_caller, login_required
from voice.database import sessions
from voice.schemas import (
    ErrorOut,
    StreamEvents,
    StreamIn,
    VoiceTurnHeaders,
    VoiceTurnOut,
    VoiceUpload,
)
from voice.services import client_ip, providers, throttle
from voice.settings import app_config
from voice.storage import message_json
from voice.streaming import prepare, reply_events
from voice.turns import VoiceTurn, chat_or_404, voice_turn
from voice.uploads import read_recording

bp = Blueprint("voice_messages", __name__, url_prefix="/voice/chats")
ERRORS = (400, 401, 404, 413, 415, 422, 429, 502, 503, 504)


def document_errors(*codes: int):  # type: ignore[no-untyped-def]
    def decorate(view):  # type: ignore[no-untyped-def]
        for code in codes:
            view = document_response(ErrorOut, code)(view)
        return view

    return decorate


@bp.post(f"/<int(min=1, max={MAX_ID}):chat_id>/messages")
@tag(["Voice"])
@login_required
@document_request(VoiceUpload, source=DataSource.FORM_MULTIPART)
@document_response(VoiceTurnOut, 201, VoiceTurnHeaders)
@document_errors(*ERRORS)
async def post_voice_message(chat_id: int) -> Response:
    """Send a recording, get the spoken reply

    The default response body is the reply as audio (e.g. `audio/mpeg` or `audio/wav`) with the
    stored message ids and the percent-encoded transcript and reply text in headers. With
    `Accept: application/json` (or `?format=json`) the body is JSON with the audio in base64.
    Silence → 422 and nothing stored. If the reply fails the transcript is kept
    (`errors.user_message_id`; ask again with `POST /api/chats/{chat_id}/messages/retry`);
    if speech fails both messages are kept.
    """
    caller = current_caller()
    chat = await chat_or_404(caller, chat_id)
    await throttle(reply_checks(caller, client_ip()))
    recording, kind = await read_recording(app_config())
    turn = await voice_turn(caller, chat, recording, kind)
    return turn_json(turn) if wants_json() else turn_audio(turn)


def wants_json() -> bool:
    if request.args.get("format") == "json":
        return True
    best = request.accept_mimetypes.best_match(["audio/*", "application/json"])
    return best == "application/json"


def turn_audio(turn: VoiceTurn) -> Response:
    headers = {
        "X-User-Message-Id": str(turn.user_message.id),
        "X-AI-Message-Id": str(turn.ai_message.id),
        "X-Transcript": quote(turn.user_message.content),
        "X-Reply-Text": quote(turn.ai_message.content),
        "Cache-Control": "no-store",
    }
    return Response(turn.speech.data, 201, headers, mimetype=turn.speech.mime_type)


def turn_json(turn: VoiceTurn) -> Response:
    response = jsonify(
        user_message=message_json(turn.user_message),
        ai_message=message_json(turn.ai_message),
        audio_mime_type=turn.speech.mime_type,
        audio_base64=base64.b64encode(turn.speech.data).decode("ascii"),
    )
    response.status_code = 201
    return response


@bp.post(f"/<int(min=1, max={MAX_ID}):chat_id>/messages/stream")
@tag(["Voice"])
@login_required
@validate_request(StreamIn)
@document_response(StreamEvents, 200)
@document_errors(400, 401, 404, 413, 415, 422, 429)
async def post_streamed_message(chat_id: int, data: StreamIn) -> Response:
    """Send a text message, get the reply as server-sent events

    `event: delta` with `{"content": piece}` for each piece of the reply, then `event: done`
    with `{"user_message", "ai_message"}` once both are stored. If the provider fails midway:
    `event: error` with the error envelope (the message is kept, see `errors.user_message_id`).
    A client that disconnects midway leaves nothing stored for that turn.
    """
    caller = current_caller()
    chat = await chat_or_404(caller, chat_id)
    content = bounded_text("message", data.content, app_config().max_message_chars)
    await throttle(reply_checks(caller, client_ip()))
    ticket = await quotas.acheck(sessions(), app_config(), caller, client_ip(), chat.agent.model)
    turn = await prepare(caller, chat, content)
    events = reply_events(turn, providers().chat, sessions(), ticket)
    response = Response(
        events,
        200,
        {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        mimetype="text/event-stream",
    )
    response.timeout = None  # a long reply may take longer than Quart's default response timeout
    return response
