"""Speech calls written to the usage ledger (seconds heard, characters spoken), each checked
against the caller's speech allowances and written before the call (shared/usage/
speech_budgets.py), given back when the call fails."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from shared.auth.access import Caller
from shared.core.models import UsageKind
from shared.providers.base import ProviderError
from shared.usage.speech import speech_model
from shared.usage.speech_budgets import acharge, arefund
from voice.deps import app_config, budget_checks, providers, sessions
from voice.services import client_ip


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


def spoken_recorder(caller: Caller) -> Callable[[str], Awaitable[int]]:
    """Charges each text spoken for `caller` before it is spoken (SpeechQuotaExceeded when the
    allowance does not cover it); bound now, so it also works in a streamed body that runs
    after the request. Returns the ledger row's id."""
    checks, ip, config = budget_checks(), client_ip(), app_config()
    model = speech_model(config, UsageKind.TTS, providers().tts.name)

    async def record(text: str) -> int:
        return await acharge(checks, config, caller, ip, (UsageKind.TTS, len(text), model))

    return record


def refunder() -> Callable[[int], Awaitable[None]]:
    """Gives a speech call's row back; bound now, like `spoken_recorder`."""
    store = sessions()

    async def refund(ticket: int) -> None:
        await arefund(store, ticket)

    return refund
