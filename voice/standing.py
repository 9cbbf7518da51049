"""An open stream keeps speaking for its token only while the token stands: disabling the
account, logging out (the token's family) or logging out everywhere ends the caller's streams
and `/events` followers within `STANDING_SECONDS`, with an `error` event (401).

The turn itself goes on writing its reply (it is stored complete, as when a client goes away);
only the revoked caller stops receiving it. Each open stream costs one indexed read of the
account and the revocation table per `STANDING_SECONDS`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.auth.tokens import AccessClaims, TokenError
from shared.core.errors import envelope
from shared.turns.follow import Event
from voice.auth import standing_account
from voice.sse import paced

STANDING_SECONDS = 5.0


async def refusal(claims: AccessClaims, sessions: async_sessionmaker[AsyncSession]) -> str | None:
    """Why `claims` no longer stand (what a new request would be told), or None."""
    async with sessions() as session:
        try:
            await standing_account(session, claims)
        except TokenError as exc:
            return str(exc)
    return None


async def while_standing(
    events: AsyncIterator[Event],
    claims: AccessClaims,
    sessions: async_sessionmaker[AsyncSession],
    wake: Callable[[], float],
) -> AsyncIterator[Event | None]:
    """`events`, checking every STANDING_SECONDS (even while none comes) that `claims` still
    stand; when they do not, an `error` event ends the stream. None whenever the stream wakes
    with no event: at each check, and when `wake()` (asked before each wait: the seconds
    until the caller's own deadline, e.g. a heartbeat) has passed. `sessions` is bound by the
    request: the stream runs after it, outside the app's context."""
    loop = asyncio.get_running_loop()
    due = loop.time() + STANDING_SECONDS

    def until_next() -> float:  # `due` moves on after each check
        return min(max(due - loop.time(), 0.0), wake())

    async with contextlib.aclosing(paced(events, until_next)) as paced_events:
        async for event in paced_events:
            if loop.time() >= due:
                reason = await refusal(claims, sessions)
                if reason is not None:
                    yield "error", envelope(401, reason)
                    return
                due = loop.time() + STANDING_SECONDS
            yield event
