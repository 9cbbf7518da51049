"""The voice service: voice turns and streamed replies on Quart, sharing the API's database."""

from __future__ import annotations

from hypercorn.middleware import ProxyFixMiddleware
from quart import Quart
from quart_cors import cors
from quart_schema import QuartSchema

from shared.core.config import Config
from voice import (
    bodies,
    deps,
    errors,
    health,
    messages,
    replies,
    requestlog,
    security,
    services,
    speech,
    web,
)
from voice import metrics as metrics_endpoint
from voice.database import close_request_session
from voice.openapi import VoiceOpenAPI
from voice.settings import quart_settings

DESCRIPTION = """Talk to agents by voice, and get text replies as they are generated.

Get a token from the API (`POST /api/auth/login`, or `POST /api/auth/guest` to chat without an
account) and send it as `Authorization: Bearer <token>`. Errors use the API's envelope:
`{"code", "status", "message", "errors"?}`. Agents, chats and message history are in `/api/docs`.
"""
EXPOSED_HEADERS = [
    "X-User-Message-Id",
    "X-AI-Message-Id",
    "X-Transcript",
    "X-Reply-Text",
    "X-Speech-Cache",
]


def create_app(config: Config | None = None) -> Quart:
    """Build the voice app; `config` defaults to the environment."""
    config = config or Config.from_env()
    app = Quart(__name__, static_folder=None)
    app.config.update(quart_settings(config))
    deps.install(app, config)
    document(app)

    @app.before_serving
    async def start_services() -> None:
        await services.start(app, config)

    @app.after_serving
    async def stop_services() -> None:
        await services.stop(app)

    app.teardown_request(close_request_session)
    for blueprint in (messages.bp, replies.bp, speech.bp, health.bp, web.bp, metrics_endpoint.bp):
        app.register_blueprint(blueprint)
    errors.register(app)
    bodies.register(app)
    security.register(app)
    requestlog.register(app)
    if config.proxy_hops:
        app.asgi_app = ProxyFixMiddleware(  # type: ignore[method-assign]
            app.asgi_app, mode="legacy", trusted_hops=config.proxy_hops
        )
    return with_cors(app, config)


def document(app: Quart) -> None:
    """The OpenAPI document and Swagger UI at /voice/docs."""
    QuartSchema(
        app,
        openapi_path="/voice/openapi.json",
        swagger_ui_path="/voice/docs",
        redoc_ui_path=None,
        scalar_ui_path=None,
        info={"title": "Agent Chatbot Voice API", "version": "1.0", "description": DESCRIPTION},
        security_schemes={
            "bearerAuth": {"type": "http", "scheme": "bearer", "bearer_format": "JWT"}
        },
        security=[{"bearerAuth": []}],
        openapi_provider_class=VoiceOpenAPI,
    )


def with_cors(app: Quart, config: Config) -> Quart:
    """The app behind CORS for the configured origins (none: the app as it is)."""
    if not config.cors_origins:
        return app
    return cors(
        app,
        allow_origin=list(config.cors_origins),
        allow_headers=["Authorization", "Content-Type"],
        allow_methods=["GET", "POST", "OPTIONS"],
        expose_headers=EXPOSED_HEADERS,
        max_age=600,
    )
