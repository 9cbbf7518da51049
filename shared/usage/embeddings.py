"""Ledger rows for embedding calls: a file's chunks (charged to the agent's owner) and a turn's
question (charged to whoever asked). Their input tokens are in `prompt_tokens`; they cost
money, so they are recorded, but they count against no LLM token budget (those read `llm`)."""

from __future__ import annotations

from shared.core.models import UsageEvent, UsageKind


def embedding_event(
    model: str,
    tokens: int | None,
    characters: int,
    *,
    user_id: int | None,
    guest_id: str | None = None,
) -> UsageEvent:
    """One embedding call's row; tokens estimated from the characters when not reported."""
    counted = tokens if tokens is not None else max(1, characters // 4)
    return UsageEvent(
        user_id=user_id,
        guest_id=guest_id,
        kind=UsageKind.EMBED,
        model=model[:100],
        prompt_tokens=counted,
        completion_tokens=0,
    )
