"""Health, OpenAPI, docs and the web UI of both services."""

from __future__ import annotations

from .checks import content_type, documents_paths, equals, is_type, text_includes
from .rows import Folder, Row

HEALTHY = (equals("status", "ok"), equals("database", "ok"), is_type("providers", "object"))

API_PATHS = (
    "/api/auth/register",
    "/api/auth/login",
    "/api/auth/guest",
    "/api/auth/refresh",
    "/api/auth/logout",
    "/api/auth/me",
    "/api/agents",
    "/api/agents/{agent_id}",
    "/api/agents/{agent_id}/chats",
    "/api/chats",
    "/api/chats/{chat_id}",
    "/api/chats/{chat_id}/messages",
    "/api/chats/{chat_id}/messages/retry",
    "/api/health",
)

API = Folder(
    "API service",
    "Health, OpenAPI, Swagger UI and the web UI served by the API (Flask, gunicorn).",
    (
        Row("API health", "GET", "/api/health", 200, token=None, checks=HEALTHY),
        Row(
            "API OpenAPI document",
            "GET",
            "/api/openapi.json",
            200,
            token=None,
            checks=(documents_paths(*API_PATHS),),
        ),
        Row(
            "API Swagger UI",
            "GET",
            "/api/docs",
            200,
            token=None,
            checks=(content_type("text/html"), text_includes("/api/docs/assets/")),
        ),
        Row(
            "Web UI from the API", "GET", "/", 200, token=None, checks=(content_type("text/html"),)
        ),
        Row(
            "UI config from the API",
            "GET",
            "/config.json",
            200,
            token=None,
            checks=(is_type("", "object"),),
        ),
        Row("Unknown path is a JSON 404", "GET", "/api/no-such-thing", 404, token=None),
        Row("Wrong method is a JSON 405", "DELETE", "/api/health", 405, token=None),
    ),
)

VOICE = Folder(
    "Voice service",
    "Health, OpenAPI, Swagger UI and the web UI served by the voice service (Quart).",
    (
        Row("Voice health", "GET", "/voice/health", 200, token=None, checks=HEALTHY),
        Row(
            "Voice OpenAPI document",
            "GET",
            "/voice/openapi.json",
            200,
            token=None,
            checks=(
                documents_paths(
                    "/voice/chats/{chat_id}/messages", "/voice/chats/{chat_id}/messages/stream"
                ),
            ),
        ),
        Row(
            "Voice Swagger UI",
            "GET",
            "/voice/docs",
            200,
            token=None,
            checks=(content_type("text/html"),),
        ),
        Row(
            "Web UI from the voice service",
            "GET",
            "/",
            200,
            token=None,
            service="voice",
            checks=(content_type("text/html"),),
        ),
        Row(
            "UI config from the voice service",
            "GET",
            "/config.json",
            200,
            token=None,
            service="voice",
            checks=(is_type("", "object"),),
        ),
        Row("Unknown voice path is a JSON 404", "GET", "/voice/no-such-thing", 404, token=None),
    ),
)
