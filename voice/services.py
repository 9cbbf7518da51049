"""Resources created when serving starts and released when it stops, kept on the app."""

from __future__ import annotations

import asyncio
import inspect

from quart import Quart, request

from shared.catalog.lifecycle import catalog_for
from shared.core.config import Config
from shared.knowledge import dense
from shared.limits.ratelimit import AsyncRateLimiter, RuleName
from shared.providers.metered import metered
from shared.providers.registry import chat_provider, speech_to_text, text_to_speech
from shared.speech.cache import speech_cache
from shared.tools.rounds import tool_source
from shared.turns.generation import Writer
from shared.turns.live import LiveHub
from shared.turns.service import close_stale, relay_for
from shared.usage.atomic import check_threads
from voice import deps
from voice.database import create_engine, create_sessionmaker
from voice.storage import message_json


def client_ip() -> str:
    """The client's address (rewritten by the proxy middleware when PROXY_HOPS is set)."""
    return request.remote_addr or "unknown"


async def throttle(checks: list[tuple[RuleName, str]]) -> None:
    """Count this request against each (rule, key); raises Throttled (429) when over a limit."""
    await deps.rate_limiter().hit(checks)


async def start(app: Quart, config: Config) -> None:
    """Open the database engine and the async provider clients (inside the event loop)."""
    engine = create_engine(config)
    dense.install(engine.sync_engine, config)  # turns' dense retrieval, beside this engine
    sessions = create_sessionmaker(engine)
    catalog = catalog_for(config)
    catalog.start()
    providers = deps.Providers(
        # Finding the reply engine may probe a local server: off the event loop.
        chat=metered(await asyncio.to_thread(chat_provider, config), "llm"),
        stt=metered(speech_to_text(config), "stt"),
        tts=metered(text_to_speech(config), "tts"),
    )
    writer = Writer(
        sessions=sessions,
        provider=providers.chat,
        hub=LiveHub(relay_for(config)),
        serialize=message_json,
        tools=tool_source(config),
    )
    deps.services_of(app).serving = deps.Serving(
        engine=engine,
        sessions=sessions,
        rate_limiter=AsyncRateLimiter(config),
        speech_cache=speech_cache(config.redis_url, config.speech_cache_bytes),
        catalog=catalog,
        providers=providers,
        writer=writer,
        checks=check_threads(config.database_url),
    )
    if writer.tools is not None:
        writer.tools.hub.start()  # the servers start now, not at the first turn with tools
    await close_stale(writer, config)


async def stop(app: Quart) -> None:
    services = deps.services_of(app)
    serving, services.serving = services.serving, None
    if serving is None:
        return
    await serving.writer.hub.shutdown()  # replies still being written end failed, never pending
    for provider in (serving.providers.chat, serving.providers.stt, serving.providers.tts):
        close = getattr(provider, "aclose", None)
        if close is not None and inspect.iscoroutinefunction(close):
            await close()
    await serving.engine.dispose()
    serving.checks.close()
