"""Speech calls written to the usage ledger (seconds heard, characters spoken), each checked
against the caller's speech allowances and written before the call (shared/usage/
speech_budgets.py), given back when the call fails."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from shared.auth.access import Caller
from shared.core.models import UsageKind
from shared.providers.base import ProviderError
from shared.usage.speech import speech_model
from shared.usage.speech_budgets import acharge, arefund, areserve, asettle
from voice.deps import app_config, budget_checks, providers, sessions
from voice.services import client_ip

# A streamed reply's sentences are charged from reservations of this many characters (or what
# the allowance leaves, when less): one check and ledger row for a reply, not one a sentence.
SPEECH_BLOCK_CHARS = 1000


class SpeechRefused(ProviderError):
    """A sentence of a streamed reply not spoken: the caller's speech allowance is spent."""

    status = 429
    reason = "quota"


@asynccontextmanager
async def hearing(caller: Caller, seconds: float | None) -> AsyncIterator[None]:
    """A recording's `seconds` (counted when it was examined) charged before it is transcribed
    (the longest a recording may be when its length is unknown), given back when transcription
    fails."""
    heard = seconds if seconds is not None else app_config().max_audio_seconds
    model = speech_model(app_config(), UsageKind.STT, providers().stt.name)
    ticket = await acharge(
        budget_checks(), app_config(), caller, client_ip(), (UsageKind.STT, heard, model)
    )
    try:
        yield
    except ProviderError:
        await arefund(sessions(), ticket)
        raise


@asynccontextmanager
async def speaking(caller: Caller, text: str) -> AsyncIterator[None]:
    """`text`'s characters charged before it is spoken (SpeechQuotaExceeded when the
    allowance does not cover them), given back when synthesis fails."""
    ticket = await spoken_recorder(caller)(text)
    try:
        yield
    except ProviderError:
        await arefund(sessions(), ticket)
        raise


Reserve = Callable[[int, int], Awaitable[tuple[int, float]]]


def characters_reserver(caller: Caller) -> Reserve:
    """`reserve(needed, up_to)`: characters to be spoken for `caller`, charged before they are
    spoken (SpeechQuotaExceeded when the allowance does not cover `needed`; up to `up_to` when
    it leaves room), as (ledger row id, characters reserved). Bound now, so it also works in
    a streamed body that runs after the request."""
    checks, ip, config = budget_checks(), client_ip(), app_config()
    model = speech_model(config, UsageKind.TTS, providers().tts.name)

    async def reserve(needed: int, up_to: int) -> tuple[int, float]:
        return await areserve(checks, config, caller, ip, (UsageKind.TTS, needed, model), up_to)

    return reserve


def spoken_recorder(caller: Caller) -> Callable[[str], Awaitable[int]]:
    """Charges each text spoken for `caller` before it is spoken, as a call of its own (see
    `characters_reserver`). Returns the ledger row's id."""
    reserve = characters_reserver(caller)

    async def record(text: str) -> int:
        ticket, _ = await reserve(len(text), 0)
        return ticket

    return record


def refunder() -> Callable[[int], Awaitable[None]]:
    """Gives a speech call's row back; bound now, like `spoken_recorder`."""
    store = sessions()

    async def refund(ticket: int) -> None:
        await arefund(store, ticket)

    return refund


@dataclass
class Reserved:
    """Characters reserved for a reply's speech (one ledger row) and those spoken from it."""

    ticket: int
    chars: int
    spoken: int = 0


class SpeechTab:
    """The characters a streamed reply speaks, sentence by sentence. Each sentence is charged
    before it is spoken, as a call of its own would be (SpeechQuotaExceeded when the allowance
    does not cover it), but from a reservation of up to SPEECH_BLOCK_CHARS taken in one check;
    a sentence that fails is given back, and `settle` sets each reservation's row to what was
    spoken. Bound now, so it also works in a streamed body that runs after the request.

    What a reservation holds beyond what is spoken is out of the caller's allowance until the
    reply ends (a reply that ends is settled; one whose process dies keeps it charged)."""

    def __init__(self, caller: Caller) -> None:
        self._reserve = characters_reserver(caller)
        self._sessions = sessions()
        self._lock = asyncio.Lock()
        self.reserved: list[Reserved] = []

    async def take(self, text: str) -> Reserved:
        """`text`'s characters, from the last reservation or a new one."""
        async with self._lock:
            last = self.reserved[-1] if self.reserved else None
            if last is None or last.chars - last.spoken < len(text):
                ticket, chars = await self._reserve(len(text), SPEECH_BLOCK_CHARS)
                last = Reserved(ticket, int(chars))
                self.reserved.append(last)
            last.spoken += len(text)
            return last

    @staticmethod
    def give_back(taken: Reserved, text: str) -> None:
        taken.spoken -= len(text)

    async def settle(self) -> None:
        """Every reservation's row set to what was spoken from it (removed when nothing was)."""
        reserved, self.reserved = self.reserved, []
        for taken in reserved:
            await asettle(self._sessions, taken.ticket, taken.spoken)
