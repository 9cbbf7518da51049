"""Health, OpenAPI docs, the web UI route, the error envelope and configuration rules."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from shared.core.config import DEV_SECRET, Config, ConfigError
from tests.conftest import MakeApp


def test_health_checks_database(client: FlaskClient) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json["database"] == "ok"
    assert response.json["providers"]["llm"] == "openai"


def test_health_database_down_is_503(make_app: MakeApp) -> None:
    down = make_app(database_url="postgresql://nobody@127.0.0.1:1/none")
    response = down.test_client().get("/api/health")
    assert response.status_code == 503
    assert response.json == {
        "code": 503,
        "status": "Service Unavailable",
        "message": "The database is unavailable; try again shortly.",
    }


def test_openapi_documents_bearer_auth_and_paths(client: FlaskClient) -> None:
    spec = client.get("/api/openapi.json").json
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert spec["security"] == [{"bearerAuth": []}]
    # Login needs no token; a guest's token is optional (it keeps the guest's chats).
    assert spec["paths"]["/api/auth/login"]["post"]["security"] == [{}, {"bearerAuth": []}]
    for path in ("/api/agents", "/api/chats/{chat_id}/messages", "/api/auth/guest"):
        assert path in spec["paths"]


def test_swagger_ui_uses_local_assets(client: FlaskClient) -> None:
    page = client.get("/api/docs").get_data(as_text=True)
    assert "/api/docs/assets/swagger-ui-bundle.js" in page
    assert "//cdn" not in page and "unpkg" not in page
    asset = client.get("/api/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.data) > 100_000


def test_web_ui_served_with_security_headers(client: FlaskClient) -> None:
    response = client.get("/config.json")
    assert response.status_code == 200
    assert set(response.json) >= {"api_url", "voice_url", "providers", "limits"}
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert client.get("/assets/../../shared/config.py").status_code == 404


def test_unknown_route_and_method_use_envelope(client: FlaskClient) -> None:
    missing = client.get("/api/nothing-here")
    assert missing.status_code == 404 and missing.json["status"] == "Not Found"
    wrong = client.put("/api/auth/login", json={})
    assert wrong.status_code == 405
    assert wrong.json["code"] == 405 and "POST" in wrong.headers["Allow"]


def test_unexpected_error_is_500_envelope_without_details(app: Flask) -> None:
    @app.get("/api/boom")
    def boom() -> str:
        raise RuntimeError("secret internal detail")

    response = app.test_client().get("/api/boom")
    assert response.status_code == 500
    assert response.json == {
        "code": 500,
        "status": "Internal Server Error",
        "message": "An unexpected error occurred.",
    }


def test_config_refuses_dev_secret_in_production() -> None:
    with pytest.raises(ConfigError, match="JWT_SECRET_KEY"):
        Config.from_env({"FLASK_ENV": "production"})
    with pytest.raises(ConfigError, match="32"):
        Config.from_env({"APP_ENV": "production", "JWT_SECRET_KEY": "short"})
    ok = Config.from_env({"APP_ENV": "production", "JWT_SECRET_KEY": "k" * 40})
    assert ok.is_production and ok.jwt_secret_key != DEV_SECRET
    assert Config.from_env({"APP_ENV": "development"}).jwt_secret_key == DEV_SECRET


def test_config_reads_limits_and_lists() -> None:
    config = Config.from_env(
        {
            "APP_ENV": "test",
            "MAX_MESSAGE_CHARS": "10",
            "CORS_ORIGINS": "http://a, http://b",
            "PROVIDER_TIMEOUT": "2.5",
        }
    )
    assert config.max_message_chars == 10 and config.provider_timeout == 2.5
    assert config.cors_origins == ("http://a", "http://b")
    with pytest.raises(ConfigError, match="MAX_MESSAGE_CHARS"):
        Config.from_env({"MAX_MESSAGE_CHARS": "lots"})
    with pytest.raises(ConfigError, match="LLM_PROVIDER"):
        Config.from_env({"LLM_PROVIDER": "magic"})


def test_migrations_create_anonymous_user_and_starter_agent(app: Flask) -> None:
    from api.extensions import db

    with app.app_context():
        anonymous = db.session.execute(
            sa.text("SELECT id, password_hash FROM users WHERE username = 'anonymous'")
        ).one()
        assert anonymous.password_hash is None
        starter = db.session.execute(
            sa.text("SELECT is_public FROM agents WHERE owner_id = :id"), {"id": anonymous.id}
        ).one()
        assert starter.is_public


def test_request_id_is_echoed_and_logged(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    caplog.set_level(logging.INFO, logger="chatbot.requests")
    logging.getLogger("chatbot").propagate = True
    try:
        given = client.get("/api/health", headers={"X-Request-ID": "abc12345-trace"})
        made = client.get("/api/agents", headers={"Authorization": "Bearer secret-token-value"})
    finally:
        logging.getLogger("chatbot").propagate = False
    assert given.headers["X-Request-ID"] == "abc12345-trace"
    assert len(made.headers["X-Request-ID"]) == 32
    logged = {r.fields["path"]: r.fields for r in caplog.records if hasattr(r, "fields")}
    assert logged["/api/health"]["request_id"] == "abc12345-trace"
    assert logged["/api/health"]["status"] == 200
    assert logged["/api/agents"]["status"] == 401
    assert "secret-token-value" not in caplog.text
    bogus = client.get("/api/health", headers={"X-Request-ID": "<script>"})
    assert bogus.headers["X-Request-ID"] != "<script>"


def test_database_outage_answers_503_and_recovers(make_app: MakeApp, tmp_path: Path) -> None:
    """With the database gone every endpoint answers 503 JSON; once it is back, all is well."""
    from flask_migrate import upgrade

    from shared.core.config import ROOT

    home = tmp_path / "db"
    app = make_app(database_url=f"sqlite:///{home / 'app.db'}")
    client = app.test_client()
    assert client.get("/api/health").status_code == 503  # the directory does not exist yet
    guest = client.post("/api/auth/guest")
    assert guest.status_code == 503 and guest.json["code"] == 503
    home.mkdir()
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
    assert client.get("/api/health").status_code == 200
    assert client.post("/api/auth/guest").status_code == 201


def test_cors_only_for_configured_origins(make_app: MakeApp) -> None:
    allowed = "http://app.example"
    client = make_app(cors_origins=(allowed,)).test_client()
    ok = client.get("/api/health", headers={"Origin": allowed})
    assert ok.headers["Access-Control-Allow-Origin"] == allowed
    assert "X-Pagination" in ok.headers["Access-Control-Expose-Headers"]
    other = client.get("/api/health", headers={"Origin": "http://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    closed = make_app().test_client().get("/api/health", headers={"Origin": allowed})
    assert "Access-Control-Allow-Origin" not in closed.headers


@pytest.mark.parametrize(
    ("base_url", "server"),
    [
        ("", "api.openai.com"),
        ("https://api.openai.com/v1", "api.openai.com"),
        ("https://user:secret@llm.example.org:8443/v1", "llm.example.org:8443"),
        ("http://gateway.internal/v1", "gateway.internal"),
    ],
)
def test_config_names_the_openai_compatible_server_it_talks_to(
    make_app: MakeApp, base_url: str, server: str
) -> None:
    client = make_app(openai_base_url=base_url).test_client()
    providers = client.get("/config.json").json["providers"]
    assert providers["llm"] == "openai" and providers["openai_server"] == server
    assert "secret" not in str(providers)
