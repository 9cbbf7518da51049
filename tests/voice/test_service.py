"""Health, OpenAPI and Swagger UI (offline assets), the web UI, errors and CORS."""

from __future__ import annotations

from typing import Any

import pytest
from quart import Quart
from quart.typing import TestClientProtocol as VoiceClient

from shared.core.config import Config
from shared.providers.offline_speech import offline_engines
from voice import create_app


async def test_health_reports_database_and_providers(voice_client: VoiceClient) -> None:
    response = await voice_client.get("/voice/health")

    assert response.status_code == 200
    body = await response.get_json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["providers"]["stt"] == "openai" and body["providers"]["tts_engine"] == "openai"
    assert body["offline_engines"] == offline_engines()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_health_database_down_unavailable(
    backend: str, config: Config, tmp_path: Any
) -> None:
    unreachable = {
        "sqlite": f"sqlite:///{tmp_path / 'missing-dir' / 'app.db'}",
        "postgresql": "postgresql://nobody@127.0.0.1:1/nothing",
    }[backend]
    app = create_app(config.replace(database_url=unreachable))
    async with app.test_app():
        response = await app.test_client().get("/voice/health")

    assert response.status_code == 503
    body = await response.get_json()
    assert body == {
        "code": 503,
        "status": "Service Unavailable",
        "message": "The database is unavailable; try again shortly.",
    }


async def test_openapi_documents_voice_endpoints_and_bearer(voice_client: VoiceClient) -> None:
    spec = await (await voice_client.get("/voice/openapi.json")).get_json()

    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    voice = spec["paths"]["/voice/chats/{chat_id}/messages"]["post"]
    assert "multipart/form-data" in voice["requestBody"]["content"]
    assert {"201", "401", "404", "413", "415", "422", "502"} <= set(voice["responses"])
    assert "X-Transcript" in voice["responses"]["201"]["headers"]
    assert {"audio/mpeg", "application/json"} <= set(voice["responses"]["201"]["content"])
    assert "/voice/chats/{chat_id}/messages/stream" in spec["paths"]
    assert spec["paths"]["/voice/health"]["get"]["security"] == []
    assert "/" not in spec["paths"] and "/config.json" not in spec["paths"]


async def test_swagger_ui_uses_local_assets(voice_client: VoiceClient) -> None:
    page = (await (await voice_client.get("/voice/docs")).get_data()).decode()

    assert "/voice/docs/assets/swagger-ui-bundle.js" in page
    assert "/voice/docs/assets/swagger-ui.css" in page
    assert "cdn" not in page.lower()
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        response = await voice_client.get(f"/voice/docs/assets/{asset}")
        assert response.status_code == 200 and len(await response.get_data()) > 1000


async def test_web_ui_served_with_security_headers(voice_client: VoiceClient) -> None:
    index = await voice_client.get("/")
    config = await voice_client.get("/config.json")

    assert index.status_code == 200 and index.mimetype == "text/html"
    assert "script-src 'self'" in index.headers["Content-Security-Policy"]
    assert config.headers["X-Content-Type-Options"] == "nosniff"
    body = await config.get_json()
    assert body["limits"]["audio_bytes"] == 25 * 1024 * 1024
    assert {"llm", "stt", "tts", "stt_engine", "tts_engine"} <= set(body["providers"])
    assert (await voice_client.get("/assets/../../shared/config.py")).status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/voice/nothing-here", 404),
        ("GET", "/voice/chats/1/messages", 405),
        ("DELETE", "/voice/health", 405),
    ],
)
async def test_errors_use_envelope(
    voice_client: VoiceClient, method: str, path: str, status: int
) -> None:
    response = await voice_client.open(path, method=method)

    assert response.status_code == status
    body = await response.get_json()
    assert body["code"] == status and body["status"] and body["message"]
    assert "Traceback" not in (await response.get_data()).decode()


@pytest.fixture
def voice_config(config: Config) -> Config:
    return config.replace(cors_origins=("http://ui.example",))


async def test_cors_exposes_turn_headers(voice_app: Quart) -> None:
    preflight = await voice_app.test_client().options(
        "/voice/chats/1/messages",
        headers={
            "Origin": "http://ui.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    response = await voice_app.test_client().get(
        "/voice/health", headers={"Origin": "http://ui.example"}
    )
    stranger = await voice_app.test_client().get(
        "/voice/health", headers={"Origin": "http://evil.example"}
    )

    assert preflight.headers["Access-Control-Allow-Origin"] == "http://ui.example"
    assert "authorization" in preflight.headers["Access-Control-Allow-Headers"].lower()
    assert response.headers["Access-Control-Allow-Origin"] == "http://ui.example"
    exposed = response.headers["Access-Control-Expose-Headers"].lower()
    assert {"x-transcript", "x-reply-text", "x-user-message-id", "x-ai-message-id"} <= {
        h.strip() for h in exposed.split(",")
    }
    assert "Access-Control-Allow-Origin" not in stranger.headers


async def test_voice_request_id_is_echoed(voice_client: VoiceClient) -> None:
    response = await voice_client.get("/voice/health", headers={"X-Request-ID": "trace-12345678"})
    assert response.headers["X-Request-ID"] == "trace-12345678"
    made = await voice_client.get("/voice/health")
    assert len(made.headers["X-Request-ID"]) == 32
