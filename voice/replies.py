"""Replies after they start: follow one again, stop one, regenerate or edit with a stream."""

from __future__ import annotations

from quart import Blueprint, Response, jsonify
from quart_schema import document_response, tag, validate_request

from shared.core.validation import MAX_ID
from shared.limits.ratelimit import reply_checks
from shared.turns import replies, store
from shared.turns.follow import follow
from voice.auth import current_caller, login_required, token_required
from voice.deps import writer
from voice.messages import document_errors
from voice.schemas import MessageOut, StreamEvents, StreamIn
from voice.services import client_ip, throttle
from voice.storage import history_budget, message_json
from voice.streaming import event_stream, streamed_turn
from voice.turns import chat_or_404
from voice.turnstart import begin, prefetched

bp = Blueprint("voice_replies", __name__, url_prefix="/voice/chats")
MESSAGE = f"/<int(min=1, max={MAX_ID}):chat_id>/messages/<int(min=1, max={MAX_ID}):message_id>"


@bp.get(f"{MESSAGE}/events")
@tag(["Replies"])
@login_required
@document_response(StreamEvents, 200)
@document_errors(401, 404)
async def get_reply_events(chat_id: int, message_id: int) -> Response:
    """Follow a reply: what is written so far, then the rest as it is written

    Server-sent events, from any worker: `event: delta` `{"content"}` (first the content so
    far, then each new piece), then `event: done` `{"user_message", "ai_message"}` or
    `event: error` (the error envelope). A reply that has already ended gives its content
    and how it ended at once.
    """
    chat = await chat_or_404(current_caller(), chat_id)
    reply = await writer().run(replies.reply_in, chat.id, message_id)
    return event_stream(follow(writer(), reply.id))


@bp.post(f"{MESSAGE}/stop")
@tag(["Replies"])
@login_required
@document_response(MessageOut, 200)
@document_errors(401, 404, 409)
async def post_stop_reply(chat_id: int, message_id: int) -> Response:
    """Stop a reply while it is written

    The reply ends `stopped`, keeping what was written (the worker writing it, in any
    process, stops within about a second). 409 (`errors.reason: not_pending`) when the reply
    is not being written.
    """
    stopped = await writer().run(replies.stop, current_caller(), chat_id, message_id)
    writer().hub.request_stop(stopped.id)
    return jsonify(message_json(stopped))


@bp.post(f"{MESSAGE}/regenerate")
@tag(["Replies"])
@token_required
@document_response(StreamEvents, 200)
@document_errors(401, 404, 409, 429)
async def post_regenerate_stream(chat_id: int, message_id: int) -> Response:
    """Write a new version of an AI reply, streamed

    Like `POST /api/chats/{chat_id}/messages/{message_id}/regenerate`, with the new reply as
    server-sent events (`delta`, then `done` or `error`; ids in `X-User-Message-Id` and
    `X-AI-Message-Id`). The earlier version stays stored.
    """
    caller = current_caller()
    await throttle_replies()
    turn = await begin(store.begin_regenerate, caller, chat_id, message_id, history_budget())
    return streamed_turn(turn)


@bp.post(f"{MESSAGE}/edit")
@tag(["Replies"])
@token_required
@validate_request(StreamIn)
@document_response(StreamEvents, 200)
@document_errors(400, 401, 404, 409, 413, 415, 422, 429)
async def post_edit_stream(chat_id: int, message_id: int, data: StreamIn) -> Response:
    """Edit a message you sent and stream the reply to it

    Like `POST /api/chats/{chat_id}/messages/{message_id}/edit`: a new version of the message
    and its reply (as server-sent events); the original and what followed it stay stored.
    """
    caller = current_caller()
    await throttle_replies()
    await prefetched(chat_id, data.content)
    turn = await begin(
        store.begin_edit, caller, chat_id, message_id, data.content, history_budget()
    )
    return streamed_turn(turn)


async def throttle_replies() -> None:
    await throttle(reply_checks(current_caller(), client_ip()))
