"""Writing a reply in the API: one blocking provider call between two short transactions."""

from __future__ import annotations

import time

from sqlalchemy import orm as so

from shared.core.models import Message
from shared.providers.base import ChatProvider, ProviderError
from shared.turns import charges, replies
from shared.turns.failures import Kept, TurnFailed
from shared.turns.store import Started


def write_reply(session: so.Session, turn: Started, provider: ChatProvider) -> Message:
    """Ask the provider for the reply of `turn` (begun and committed), store how it ended.

    No connection is held while the provider works (the session has no transaction open).
    A failure stores the reply as `failed` (its reservation given back) and raises TurnFailed
    naming both kept messages.
    """
    reply_id = turn.ai_message.id
    start = time.monotonic()
    try:
        result = provider.reply(turn.context, turn.model)
    except ProviderError as exc:
        charges.finish(session, turn, replies.failed("", exc, elapsed_ms(start)))
        session.commit()
        raise TurnFailed(exc, Kept(turn.chat_id, turn.user_message.id, reply_id)) from exc
    took = elapsed_ms(start)
    outcome = replies.Outcome(
        replies.MessageStatus.COMPLETE, result.text, result.usage, result.model, took, took
    )
    reply = charges.finish(session, turn, outcome)  # the reply and its charge in one commit
    session.commit()
    return reply or turn.ai_message


def elapsed_ms(start: float) -> int:
    return round((time.monotonic() - start) * 1000)
