"""The turn engine's pure rules, without an app: failure reasons and stored failures."""

from __future__ import annotations

import pytest

from shared.core.models import Message, MessageBy, MessageStatus
from shared.providers.base import ProviderError, ProviderTimeout, ProviderUnavailable
from shared.turns.failures import (
    Kept,
    TurnFailed,
    failure_reason,
    interrupted,
    stored_failure,
    turn_failure,
)
from shared.turns.replies import failed


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (ProviderTimeout("slow", stage="llm"), "provider_timeout"),
        (ProviderUnavailable("busy", stage="llm"), "provider_unavailable"),
        (ProviderError("broken", stage="tts"), "provider_error"),
        (interrupted(), "interrupted"),
    ],
)
def test_every_provider_failure_has_one_reason(error: ProviderError, reason: str) -> None:
    assert failure_reason(error) == reason
    assert failed("partial", error).error_reason == reason


def test_a_failed_turn_names_what_was_kept_and_how_to_retry() -> None:
    error = ProviderUnavailable("busy", stage="llm", retry_after=3.0)
    body = turn_failure(TurnFailed(error, Kept(chat_id=4, user_message_id=7, ai_message_id=8)))
    assert body["code"] == 503 and body["message"] == "busy"
    assert body["errors"] == {
        "stage": "llm",
        "retryable": True,
        "reason": "provider_unavailable",
        "retry": "POST /api/chats/4/messages/retry",
        "retry_after": 3.0,
        "user_message_id": 7,
        "ai_message_id": 8,
    }


def test_speech_failure_keeps_both_without_a_reply_retry() -> None:
    error = ProviderError("no voice", stage="tts")
    body = turn_failure(TurnFailed(error, Kept(chat_id=4, user_message_id=7, ai_message_id=8)))
    assert "retry" not in body["errors"] and body["errors"]["ai_message_id"] == 8


@pytest.mark.parametrize(
    ("reason", "code"),
    [("interrupted", 503), ("provider_timeout", 504), ("provider_error", 502), ("odd", 502)],
)
def test_a_stored_failure_reads_back_as_its_envelope(reason: str, code: int) -> None:
    reply = Message(id=8, chat_id=4, parent_id=7, message_by=MessageBy.AI, content="")
    reply.status, reply.error_stage, reply.error_reason = MessageStatus.FAILED, "llm", reason
    body = stored_failure(reply)
    assert body["code"] == code
    assert body["errors"]["reason"] == (reason if reason != "odd" else "provider_error")
    assert (body["errors"]["user_message_id"], body["errors"]["ai_message_id"]) == (7, 8)
    assert reply.error == {"stage": "llm", "reason": reason, "retryable": True}
