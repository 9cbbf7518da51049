"""Fixtures shared by every test: a migrated database (SQLite or PostgreSQL), the API app,
a fake OpenAI-compatible upstream, and callers (users and guests).

The backend is chosen by TEST_DATABASE_URL (default: a SQLite file). A PostgreSQL URL that
cannot be reached fails the run instead of skipping it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade

from api import create_app
from shared.core.config import ROOT, Config
from shared.core.db import Base, engine_options, sync_url
from tests.fake_openai import Behaviour, FakeOpenAIServer

# `tool_servers_file`: real MCP servers for the tool tests (started only by tests that ask).
pytest_plugins = ["tests.tool_servers"]

# Fixtures that hand a test a database of the backend under test (TEST_DATABASE_URL): a test
# that asks for one, directly or through another fixture, is marked `database`, and only those
# run again on PostgreSQL (`make test-postgres`); a pure rule's test would only repeat itself.
DATABASE_FIXTURES = frozenset({"database_url", "scratch_url", "empty_url", "empty_database"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.database)


TEST_SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"
SEEDED_USERS = ("anonymous",)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    )
    engine = sa.create_engine(sync_url(url))
    with engine.begin() as connection:  # fails loudly if the server is unreachable
        Base.metadata.drop_all(connection)
        connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()
    app = create_app(Config(database_url=url, jwt_secret_key=TEST_SECRET))
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
    return url


@pytest.fixture(scope="session")
def fake_openai() -> Iterator[FakeOpenAIServer]:
    server = FakeOpenAIServer().start()
    yield server
    server.stop()


@pytest.fixture
def upstream(fake_openai: FakeOpenAIServer) -> Behaviour:
    """The fake upstream's behaviour, fresh for each test."""
    fake_openai.behaviour = Behaviour()
    return fake_openai.behaviour


@pytest.fixture
def config(database_url: str, fake_openai: FakeOpenAIServer) -> Config:
    return Config(
        database_url=database_url,
        jwt_secret_key=TEST_SECRET,
        openai_api_key="test-key",
        openai_base_url=fake_openai.base_url,
        provider_timeout=2.0,
        provider_max_retries=0,
        # Generous limits so ordinary tests never trip them; tests/api/test_rate_limits.py
        # sets tight ones.
        rate_limit_replies="1000/minute",
        rate_limit_replies_per_ip="1000/minute",
        rate_limit_guest_tokens="1000/minute",
        rate_limit_register="1000/minute",
        rate_limit_login_per_ip="1000/minute",
        rate_limit_login_per_user="1000/minute",
    )


@pytest.fixture(autouse=True)
def clean_database(request: pytest.FixtureRequest) -> Iterator[None]:
    """After a test that used the database, empty what it wrote (a pure rule's test, which
    asks for no database, creates none)."""
    yield
    if "database_url" not in request.fixturenames:
        return
    database_url = request.getfixturevalue("database_url")
    engine = sa.create_engine(sync_url(database_url), **engine_options(database_url))
    with engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM knowledge_chunks"))
        connection.execute(sa.text("DELETE FROM knowledge_files"))
        connection.execute(sa.text("DELETE FROM messages"))
        connection.execute(sa.text("DELETE FROM chats"))
        connection.execute(sa.text("DELETE FROM revoked_tokens"))
        connection.execute(sa.text("DELETE FROM usage_events"))
        connection.execute(
            sa.text(
                "DELETE FROM agents WHERE owner_id NOT IN "
                "(SELECT id FROM users WHERE username = 'anonymous')"
            )
        )
        connection.execute(sa.text("DELETE FROM users WHERE username <> 'anonymous'"))
    engine.dispose()


MakeApp = Callable[..., Flask]


@pytest.fixture
def make_app(config: Config, upstream: Behaviour) -> Iterator[MakeApp]:
    """Build API apps from the test config with overrides (`make_app(max_name_chars=5)`);
    each one's database engine is disposed after the test."""
    made: list[Flask] = []

    def _make_app(**overrides: Any) -> Flask:
        app = create_app(config.replace(**overrides) if overrides else config)
        app.config["TESTING"] = True
        made.append(app)
        return app

    yield _make_app
    from api.extensions import db

    for app in made:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def app(make_app: MakeApp) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


Headers = dict[str, str]


def bearer(token: str) -> Headers:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def register(client: FlaskClient) -> Callable[..., dict[str, Any]]:
    """Register and log in a user; returns the login response plus `headers`."""

    def _register(username: str = "alice", password: str = "correct horse") -> dict[str, Any]:
        response = client.post(
            "/api/auth/register", json={"username": username, "password": password}
        )
        assert response.status_code == 201, response.json
        tokens = client.post(
            "/api/auth/login", json={"username": username, "password": password}
        ).json
        return {**tokens, "headers": bearer(tokens["access_token"]), "user": response.json}

    return _register


@pytest.fixture
def auth_headers(register: Callable[..., dict[str, Any]]) -> Headers:
    return register()["headers"]


@pytest.fixture
def guest(client: FlaskClient) -> Callable[[], dict[str, Any]]:
    """Get a fresh guest token; returns the response plus `headers`."""

    def _guest() -> dict[str, Any]:
        tokens = client.post("/api/auth/guest").json
        return {**tokens, "headers": bearer(tokens["access_token"])}

    return _guest


@pytest.fixture
def guest_headers(guest: Callable[[], dict[str, Any]]) -> Headers:
    return guest()["headers"]


@pytest.fixture
def starter_agent_id(client: FlaskClient, guest_headers: Headers) -> int:
    agents = client.get("/api/agents", headers=guest_headers).json
    return int(agents[0]["id"])


@pytest.fixture
def new_chat(client: FlaskClient, starter_agent_id: int) -> Callable[[Headers], dict[str, Any]]:
    """Open a chat with the starter agent for the caller of `headers`."""

    def _new_chat(headers: Headers, agent_id: int | None = None) -> dict[str, Any]:
        response = client.post(
            f"/api/agents/{agent_id or starter_agent_id}/chats", json={}, headers=headers
        )
        assert response.status_code == 201, response.json
        return dict(response.json)

    return _new_chat


def repo_path(*parts: str) -> Path:
    return ROOT.joinpath(*parts)
