"""The API's shared objects, named once with their types: views ask `deps.chat_provider()`,
never `current_app.extensions[...]` (the one place a key is spelled is this module)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app

from shared.catalog.lifecycle import ModelCatalog, catalog_for
from shared.core.config import Config
from shared.knowledge.queue import KnowledgeQueue
from shared.limits.login_guard import LoginGuard
from shared.limits.ratelimit import RateLimiter
from shared.providers.base import ChatProvider
from shared.providers.metered import metered
from shared.providers.registry import chat_provider as make_chat_provider
from shared.tools.rounds import ToolSource, tool_source

_KEY = "agent_chatbot"


@dataclass
class ApiServices:
    """What one API app keeps for its lifetime (the config may be swapped by tests)."""

    config: Config
    chat_provider: ChatProvider
    rate_limiter: RateLimiter
    login_guard: LoginGuard
    catalog: ModelCatalog
    tools: ToolSource | None = None

    # Built at first use: an app that never queues a file opens no queue.
    queue: KnowledgeQueue | None = None


def install(app: Flask, config: Config) -> ApiServices:
    """The app's services from `config`; the model catalog starts reading in the background."""
    catalog = catalog_for(config)
    catalog.start()
    services = ApiServices(
        config=config,
        chat_provider=metered(make_chat_provider(config), "llm"),
        rate_limiter=RateLimiter(config),
        login_guard=LoginGuard(config),
        catalog=catalog,
        tools=tool_source(config),
    )
    app.extensions[_KEY] = services
    return services


def services_of(app: Flask) -> ApiServices:
    found: ApiServices = app.extensions[_KEY]
    return found


def services() -> ApiServices:
    return services_of(current_app)


def app_config() -> Config:
    return services().config


def chat_provider() -> ChatProvider:
    return services().chat_provider


def rate_limiter() -> RateLimiter:
    return services().rate_limiter


def login_guard() -> LoginGuard:
    return services().login_guard


def catalog() -> ModelCatalog:
    return services().catalog


def tools() -> ToolSource | None:
    """The tool servers of this process (None: TOOL_SERVERS_FILE names none)."""
    return services().tools


def knowledge_queue() -> KnowledgeQueue:
    """The knowledge job queue (huey), where uploads are queued for the worker."""
    found = services()
    if found.queue is None:
        found.queue = KnowledgeQueue(found.config)
    return found.queue
