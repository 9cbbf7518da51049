"""Ledger rows for speech calls: seconds of audio transcribed, characters spoken."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.auth.access import Caller
from shared.core.config import Config
from shared.core.db import aon_its_own
from shared.core.models import UsageEvent, UsageKind


def speech_model(config: Config, kind: UsageKind, provider_name: str) -> str:
    if provider_name != "openai":
        return provider_name
    return config.openai_stt_model if kind == UsageKind.STT else config.openai_tts_model


def speech_event(
    caller: Caller,
    ip: str,
    kind: UsageKind,
    model: str,
    *,
    seconds: float | None = None,
    characters: int | None = None,
) -> UsageEvent:
    return UsageEvent(
        user_id=caller.user_id,
        guest_id=caller.guest_id,
        client_ip=ip,
        kind=kind,
        model=model,
        speech_seconds=seconds,
        speech_characters=characters,
    )


async def arecord(sessions: async_sessionmaker[AsyncSession], event: UsageEvent) -> None:
    async with sessions() as session:
        await aon_its_own(session)  # one INSERT: no BEGIN and COMMIT of its own
        session.add(event)
        await session.commit()
