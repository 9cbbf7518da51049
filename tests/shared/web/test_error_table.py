"""The one error table (shared/core/errors.py, shared/web/error_table.py) with no app."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from shared.core.errors import envelope, first_error_sentence
from shared.core.validation import InvalidInput
from shared.limits.ratelimit import Throttled
from shared.providers.base import ProviderError, ProviderTimeout, ProviderUnavailable
from shared.turns.failures import Kept, ReplyInterrupted, TurnFailed, TurnRefused
from shared.web.error_table import HANDLED, http_reply, reply_for, too_large_reply
from shared.web.jsonbody import BadBody


def test_envelope_names_the_status_and_leaves_out_empty_errors() -> None:
    assert envelope(404, "Chat not found.") == {
        "code": 404,
        "status": "Not Found",
        "message": "Chat not found.",
    }
    assert envelope(599, "odd", {"x": ["y"]})["status"] == "Error"


@pytest.mark.parametrize(
    ("error", "status", "reason"),
    [
        (ProviderTimeout("slow", stage="llm"), 504, "provider_timeout"),
        (ProviderUnavailable("down", stage="tts"), 503, "provider_unavailable"),
        (ReplyInterrupted("stopped", stage="llm"), 503, "interrupted"),
        (ProviderError("broke", stage="stt"), 502, "provider_error"),
    ],
)
def test_provider_failures_carry_their_reason_and_stage(
    error: ProviderError, status: int, reason: str
) -> None:
    reply = reply_for(error, retry_path="POST /api/chats/7/messages/retry")
    assert reply.status == status
    assert reply.body["errors"]["reason"] == reason
    assert reply.body["errors"]["stage"] == error.stage
    assert reply.body["errors"]["retry"] == "POST /api/chats/7/messages/retry"


def test_provider_retry_after_becomes_a_header_of_whole_seconds() -> None:
    reply = reply_for(ProviderUnavailable("busy", stage="llm", retry_after=0.2))
    assert reply.headers == {"Retry-After": "1"}
    assert reply.body["errors"]["retry_after"] == 0.2
    assert "retry" not in reply.body["errors"]  # no chat known: no retry path offered


def test_failed_turn_names_what_was_kept() -> None:
    failed = TurnFailed(ProviderTimeout("slow", stage="llm"), Kept(3, 10, 11))
    body = reply_for(failed).body
    assert body["errors"]["user_message_id"] == 10 and body["errors"]["ai_message_id"] == 11
    assert body["errors"]["retry"] == "POST /api/chats/3/messages/retry"


def test_failed_transcription_keeps_nothing_and_offers_no_retry() -> None:
    failed = TurnFailed(ProviderError("deaf", stage="stt"), Kept(3, None, None))
    errors = reply_for(failed).body["errors"]
    assert "retry" not in errors and "user_message_id" not in errors


@pytest.mark.parametrize(
    ("exc", "status", "errors"),
    [
        (TurnRefused(403, "Not yours.", "agent_unavailable"), 403, {"reason": "agent_unavailable"}),
        (InvalidInput("message", "Too long."), 422, {"message": ["Too long."]}),
        (BadBody("Not JSON."), 400, {"json": ["Not JSON."], "reason": "invalid_body"}),
        (Throttled("Slow down.", 30), 429, {"reason": "rate_limited"}),
    ],
)
def test_client_errors_map_to_their_status_and_fields(
    exc: Exception, status: int, errors: dict[str, object]
) -> None:
    reply = reply_for(exc)
    assert reply.status == status and reply.body["code"] == status
    assert reply.body["errors"] == errors


def test_throttling_says_when_to_come_back() -> None:
    assert reply_for(Throttled("Slow down.", 30)).headers == {"Retry-After": "30"}


@pytest.mark.parametrize(
    "exc",
    [
        sa.exc.OperationalError("SELECT 1", {}, Exception("gone")),
        ConnectionError("refused"),
        TimeoutError(),
    ],
)
def test_database_failures_are_503_without_details(exc: Exception) -> None:
    reply = reply_for(exc)
    assert reply.status == 503
    assert "gone" not in reply.body["message"] and "refused" not in reply.body["message"]


def test_anything_else_is_a_500_that_says_nothing_more() -> None:
    reply = reply_for(KeyError("secret internals"))
    assert reply.status == 500 and "secret" not in reply.body["message"]
    assert Exception in HANDLED


def test_validation_errors_become_one_readable_sentence() -> None:
    errors = {"json": {"content": ["Longer than 4000."]}}
    assert first_error_sentence(errors) == "content: Longer than 4000."
    reply = http_reply(422, data={"messages": errors})
    assert reply.body["message"] == "Invalid input: content: Longer than 4000."
    assert reply.body["errors"] == errors
    assert http_reply(422).body["message"] == "The request has invalid fields."


def test_method_not_allowed_lists_the_allowed_methods() -> None:
    reply = http_reply(405, "ignored", allowed=["GET", "POST"])
    assert reply.headers == {"Allow": "GET, POST"}
    assert reply.body["message"] == "That method is not allowed here."


def test_too_large_names_the_limit_when_known() -> None:
    assert "25 MiB limit" in too_large_reply(25 * 1024 * 1024).body["message"]
    assert "64 KiB limit" in too_large_reply(64 * 1024).body["message"]
    assert (
        too_large_reply(None).body["message"]
        == "The request body is larger than the allowed limit."
    )
