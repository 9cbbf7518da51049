"""Resources created when serving starts and released when it stops, kept on the app."""

from __future__ import annotations

import asyncio
import inspect
from dataclasses import dataclass
from typing import cast

from quart import Quart, current_app, request
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.app_state import start_catalog
from shared.config import Config
from shared.providers.base import ChatProvider, SpeechToText, TextToSpeech
from shared.providers.metered import metered
from shared.providers.registry import chat_provider, speech_to_text, text_to_speech
from shared.ratelimit import AsyncRateLimiter, RuleName
from shared.speech_cache import speech_cache
from shared.turns.generation import Writer
from shared.turns.lifecycle import close_stale, relay_for
from shared.turns.live import LiveHub
from voice.database import create_engine, create_sessionmaker
from voice.storage import message_json


@dataclass(frozen=True)
class Providers:
    chat: ChatProvider
    stt: SpeechToText
    tts: TextToSpeech


def providers() -> Providers:
    return cast(Providers, current_app.extensions["voice_providers"])


def client_ip() -> str:
    """The client's address (rewritten by the proxy middleware when PROXY_HOPS is set)."""
    return request.remote_addr or "unknown"


async def throttle(checks: list[tuple[RuleName, str]]) -> None:
    """Count this request against each (rule, key); raises Throttled (429) when over a limit."""
    await cast(AsyncRateLimiter, current_app.extensions["voice_rate_limiter"]).hit(checks)


async def start(app: Quart, config: Config) -> None:
    """Open the database engine and the async provider clients (inside the event loop)."""
    engine = create_engine(config)
    app.extensions["voice_engine"] = engine
    app.extensions["voice_sessions"] = create_sessionmaker(engine)
    app.extensions["voice_rate_limiter"] = AsyncRateLimiter(config)
    app.extensions["speech_cache"] = speech_cache(config.redis_url, config.speech_cache_bytes)
    start_catalog(app.extensions, config)
    app.extensions["voice_providers"] = Providers(
        # Finding the reply engine may probe a local server: off the event loop.
        chat=metered(await asyncio.to_thread(chat_provider, config), "llm"),
        stt=metered(speech_to_text(config), "stt"),
        tts=metered(text_to_speech(config), "tts"),
    )
    writer = Writer(
        sessions=app.extensions["voice_sessions"],
        provider=app.extensions["voice_providers"].chat,
        hub=LiveHub(relay_for(config)),
        serialize=message_json,
    )
    app.extensions["voice_writer"] = writer
    await close_stale(writer, config)


async def stop(app: Quart) -> None:
    writer = cast(Writer | None, app.extensions.pop("voice_writer", None))
    if writer is not None:  # replies still being written end as failed, never pending
        await writer.hub.shutdown()
    found = app.extensions.pop("voice_providers", None)
    for provider in (found.chat, found.stt, found.tts) if found else ():
        close = getattr(provider, "aclose", None)
        if close is not None and inspect.iscoroutinefunction(close):
            await close()
    engine = cast(AsyncEngine | None, app.extensions.pop("voice_engine", None))
    if engine is not None:
        await engine.dispose()
