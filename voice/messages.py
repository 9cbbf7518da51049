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

from shared.core.validation import MAX_ID
from shared.limits.ratelimit import reply_checks
from shared.turns import store
from voice.auth import current_caller, login_required, token_required
from voice.deps import app_config
from voice.readparts import wants_parts
from voice.schemas import (
    ErrorOut,
    StreamEvents,
    StreamIn,
    VoiceTurnHeaders,
    VoiceTurnOut,
    VoiceUpload,
)
from voice.services import client_ip, throttle
from voice.storage import history_budget, message_json
from voice.streaming import streamed_turn
from voice.turns import VoiceTurn, chat_or_404, voice_turn
from voice.turnstart import begin, prefetched
from voice.uploads import read_recording
from voice.voicestream import streamed_voice_turn

bp = Blueprint("voice_messages", __name__, url_prefix="/voice/chats")
ERRORS = (400, 401, 403, 404, 413, 415, 422, 429, 502, 503, 504)


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
    With `Accept: text/event-stream` the turn streams: `event: transcript` `{user_message}`,
    `event: delta` `{content}` as the reply is written, `event: audio`
    `{seq, text, mime_type, audio_base64}` for each sentence as soon as it is spoken (in
    order; `event: audio_error` `{seq, text}` when one could not be). With `?audio=parts`, when
    the speech provider streams (the Realtime API), each sentence comes instead as
    `event: audio_part` `{seq, part, last, text, mime_type, audio_base64}`: raw PCM
    (`audio/pcm;rate=24000`, mono 16-bit little-endian) passed on while it is still being
    synthesised, so the first sound does not wait for the first sentence to be spoken whole.
    Then `event: done`
    `{user_message, ai_message, unspoken, speech_error?}` or `event: error` (the envelope).
    Only the reply's words are spoken (no code blocks or Markdown); a reply with no words
    (all code) is stored and answered with an empty `text/plain` body and `X-Speech: none`
    (JSON: `audio_base64` and `audio_mime_type` null). Silence → 422 and nothing stored. The
    transcript is stored at once; if the reply fails it is stored as `failed`
    (`errors.user_message_id`, `errors.ai_message_id`; ask again with
    `POST /api/chats/{chat_id}/messages/retry`); if speech fails both messages are kept. A
    client that disconnects mid-turn finds the reply stored complete afterwards.
    """
    caller = current_caller()
    chat = await chat_or_404(caller, chat_id)
    await throttle(reply_checks(caller, client_ip()))
    recording = await read_recording(app_config())
    if wants_events():
        return await streamed_voice_turn(caller, chat, recording, parts=wants_parts())
    turn = await voice_turn(caller, chat, recording)
    return turn_json(turn) if wants_json() else turn_audio(turn)


def wants_events() -> bool:
    best = request.accept_mimetypes.best_match(["audio/*", "application/json", "text/event-stream"])
    return best == "text/event-stream"


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
    if turn.speech is None:  # nothing to play: an empty body, and no audio type for it
        return Response(b"", 201, {**headers, "X-Speech": "none"}, mimetype="text/plain")
    return Response(turn.speech.data, 201, headers, mimetype=turn.speech.mime_type)


def turn_json(turn: VoiceTurn) -> Response:
    speech = turn.speech
    response = jsonify(
        user_message=message_json(turn.user_message),
        ai_message=message_json(turn.ai_message),
        audio_mime_type=speech.mime_type if speech else None,
        audio_base64=base64.b64encode(speech.data).decode("ascii") if speech else None,
    )
    response.status_code = 201
    return response


@bp.post(f"/<int(min=1, max={MAX_ID}):chat_id>/messages/stream")
@tag(["Voice"])
@token_required
@validate_request(StreamIn)
@document_response(StreamEvents, 200)
@document_errors(400, 401, 403, 404, 413, 415, 422, 429)
async def post_streamed_message(chat_id: int, data: StreamIn) -> Response:
    """Send a text message, get the reply as server-sent events

    The message is stored at once and the reply as `pending` (their ids are in the
    `X-User-Message-Id` and `X-AI-Message-Id` headers). `event: delta` with
    `{"content": piece}` for each piece of the reply, then `event: done` with
    `{"user_message", "ai_message"}` once it is stored complete (or stopped). If the provider
    fails: `event: error` with the error envelope (both messages are kept, the reply as
    `failed`: `errors.user_message_id`, `errors.ai_message_id`). A client that disconnects
    does not stop the reply: it is written to the end and stored; follow it again with
    `GET /voice/chats/{chat_id}/messages/{message_id}/events`.
    """
    caller = current_caller()
    await throttle(reply_checks(caller, client_ip()))
    await prefetched(chat_id, data.content)
    turn = await begin(store.begin_ask, caller, chat_id, data.content, history_budget())
    return streamed_turn(turn)
