"""The voice service's shared objects, named once with their types: routes ask `deps.writer()`,
never `current_app.extensions[...]` (the one place a key is spelled is this module).

The config exists from the app's creation; the rest (`Serving`) from `before_serving` until
`after_serving`, because engines and clients must be made inside the event loop.
"""

from __future__ import annotations

from dataclasses import dataclass

from quart import Quart, current_app
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shared.catalog.lifecycle import ModelCatalog
from shared.core.config import Config
from shared.limits.ratelimit import AsyncRateLimiter
from shared.providers.base import ChatProvider, SpeechToText, TextToSpeech
from shared.speech.cache import SpeechCache
from shared.turns.generation import Writer
from shared.usage.atomic import CheckThreads

_KEY = "agent_chatbot_voice"


@dataclass(frozen=True)
class Providers:
    chat: ChatProvider
    stt: SpeechToText
    tts: TextToSpeech


@dataclass(frozen=True)
class Serving:
    """What exists while the app serves (made inside its event loop)."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    rate_limiter: AsyncRateLimiter
    speech_cache: SpeechCache
    catalog: ModelCatalog
    providers: Providers
    writer: Writer
    checks: CheckThreads  # atomic budget checks, off the event loop


@dataclass
class VoiceServices:
    config: Config  # swapped by tests; everything reads it at request time
    serving: Serving | None = None


def install(app: Quart, config: Config) -> VoiceServices:
    services = VoiceServices(config)
    app.extensions[_KEY] = services
    return services


def services_of(app: Quart) -> VoiceServices:
    found: VoiceServices = app.extensions[_KEY]
    return found


def app_config() -> Config:
    return services_of(current_app).config


def serving() -> Serving:
    running = services_of(current_app).serving
    if running is None:
        raise RuntimeError("the voice service is not serving (before_serving has not run)")
    return running


def sessions() -> async_sessionmaker[AsyncSession]:
    return serving().sessions


def writer() -> Writer:
    return serving().writer


def budget_checks() -> CheckThreads:
    return serving().checks


def providers() -> Providers:
    return serving().providers


def rate_limiter() -> AsyncRateLimiter:
    return serving().rate_limiter


def speech_cache() -> SpeechCache:
    return serving().speech_cache


def catalog() -> ModelCatalog:
    return serving().catalog
