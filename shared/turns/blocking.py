"""Writing a reply in the API: blocking provider calls (one per tool round) between short
transactions."""

from __future__ import annotations

import time

from sqlalchemy import orm as so

from shared.core.models import Message
from shared.providers.base import ChatProvider, ChatResult, ProviderError
from shared.tools import running
from shared.tools.rounds import NO_TOOLS, Rounds, Toolbox
from shared.turns import charges, replies
from shared.turns.failures import Kept, TurnFailed
from shared.turns.store import Started


def write_reply(
    session: so.Session, turn: Started, provider: ChatProvider, toolbox: Toolbox = NO_TOOLS
) -> Message:
    """Ask the provider for the reply of `turn` (begun and committed), store how it ended.

    No connection is held while the provider or a tool works (the session has no transaction
    open). A failure stores the reply as `failed` (its reservation given back unless tool
    rounds ran, which are charged) and raises TurnFailed naming both kept messages.
    """
    reply_id = turn.ai_message.id
    start = time.monotonic()
    rounds = Rounds(toolbox, list(turn.context), turn.reasoning_effort)
    try:
        result = converse(session, turn, provider, rounds)
    except ProviderError as exc:
        failed = replies.failed(rounds.said, exc, elapsed_ms(start))
        charges.finish(session, turn, replies.with_calls(failed, rounds))
        session.commit()
        raise TurnFailed(exc, Kept(turn.chat_id, turn.user_message.id, reply_id)) from exc
    took = elapsed_ms(start)
    status = replies.MessageStatus.COMPLETE if result else replies.MessageStatus.STOPPED
    last = result or ChatResult(rounds.said, rounds.usage(), "")
    outcome = replies.Outcome(status, last.text, last.usage, last.model or None, took, took)
    reply = charges.finish(
        session, turn, replies.with_calls(outcome, rounds)
    )  # reply and charge at once
    session.commit()
    return reply or turn.ai_message


def converse(
    session: so.Session, turn: Started, provider: ChatProvider, rounds: Rounds
) -> ChatResult | None:
    """Provider calls and tool rounds until the answer (None: stopped during a tool call)."""
    reply_id = turn.ai_message.id

    def stopped() -> bool:
        pending = replies.is_pending(session, reply_id)
        # Ends the read's transaction (none kept open while the tool works); a commit, not a
        # rollback, so the turn's objects are not expired (the API keeps them past commits).
        session.commit()
        return not pending

    while True:
        result = provider.reply(rounds.messages, turn.model, rounds.options())
        rounds.used(result.usage, result.text, result.tool_calls)
        if not rounds.wants(result.tool_calls):
            return rounds.answer(result)
        for call in rounds.asked(result.text, result.tool_calls):
            going = running.run(rounds, call, stopped)
            replies.save_calls(session, reply_id, rounds.said, rounds.stored())
            session.commit()
            if not going:
                return None


def elapsed_ms(start: float) -> int:
    return round((time.monotonic() - start) * 1000)
