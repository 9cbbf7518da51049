"""The Flask API: auth, agents, chats and text messages."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask_cors import CORS
from werkzeug.middleware.proxy_fix import ProxyFix

from api import admin as admin_api
from api import admin_cli as admin_commands
from api import (
    agents,
    auth,
    bodies,
    chats,
    cli,
    deps,
    errors,
    exports,
    health,
    knowledge,
    messages,
    models,
    requestlog,
    security,
    token_rules,
    versions,
    web,
    worker,
)
from api import metrics as metrics_endpoint
from api import tools as tools_api
from api import usage as usage_api
from api.extensions import db, jwt, migrate
from api.openapi import create_api
from shared.auth.tokens import ALGORITHM
from shared.core.config import ROOT, Config
from shared.core.db import configure_sqlite, engine_options, sync_url
from shared.knowledge import dense

API_DESCRIPTION = """Create AI agents, open chats with them and talk by text.

Authenticate with `POST /api/auth/login` (or `POST /api/auth/guest` to chat without an account)
and send the access token as `Authorization: Bearer <token>`. Errors always use one envelope:
`{"code", "status", "message", "errors"?}`. Voice turns and streamed replies are served by the
voice service (see `/voice/docs`).
"""


def flask_settings(config: Config) -> dict[str, Any]:
    """Flask and extension settings derived from the app's Config."""
    return {
        "SQLALCHEMY_DATABASE_URI": sync_url(config.database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(config.database_url),
        "JWT_SECRET_KEY": config.jwt_secret_key,
        "JWT_ALGORITHM": ALGORITHM,
        "JWT_DECODE_ALGORITHMS": [ALGORITHM],
        "JWT_TOKEN_LOCATION": ["headers"],
        "JWT_ACCESS_TOKEN_EXPIRES": timedelta(minutes=config.jwt_access_minutes),
        "JWT_REFRESH_TOKEN_EXPIRES": timedelta(days=config.jwt_refresh_days),
        # Bodies are small JSON documents; the largest allowed field is the agent prompt.
        "MAX_CONTENT_LENGTH": 64 * 1024,
        "API_TITLE": "Agent Chatbot API",
        "API_VERSION": "1.0",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        "OPENAPI_SWAGGER_UI_URL": "/api/docs/assets/",
        "API_SPEC_OPTIONS": {
            "info": {"description": API_DESCRIPTION},
            "security": [{"bearerAuth": []}],
            "components": {
                "securitySchemes": {
                    "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
                }
            },
        },
    }


def register_parts(app: Flask) -> None:
    """Every blueprint, hook, error handler and command of the API, in the order they apply."""
    api = create_api(app)
    for blueprint in (auth.blp, agents.blp, chats.blp, messages.blp, versions.blp, health.blp):
        api.register_blueprint(blueprint)
    for blueprint in (models.blp, exports.blp, usage_api.blp, admin_api.blp, tools_api.blp):
        api.register_blueprint(blueprint)
    api.register_blueprint(knowledge.blp)
    app.register_blueprint(web.bp)
    app.register_blueprint(metrics_endpoint.bp)
    errors.register(app)
    exports.register(app)  # an import file's own size limit, before the body rule reads it
    knowledge.register(app)  # and a knowledge file's
    bodies.register(app)
    security.register(app)
    token_rules.register(app)
    requestlog.register(app)
    cli.register(app)
    worker.register(app)
    admin_commands.register(app)


def create_app(config: Config | None = None) -> Flask:
    """Build the API app; `config` defaults to the environment."""
    config = config or cli.env_config()
    app = Flask(__name__, static_folder=None, instance_path=str(ROOT / "instance"))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(flask_settings(config))
    deps.install(app, config)
    if config.proxy_hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=config.proxy_hops, x_proto=config.proxy_hops
        )

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    jwt.init_app(app)
    if config.cors_origins:
        CORS(app, origins=list(config.cors_origins), expose_headers=["X-Pagination"])
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            sa.event.listen(db.engine, "connect", configure_sqlite)
        dense.install(db.engine, config)  # turns' dense retrieval, beside this engine

    register_parts(app)
    return app
