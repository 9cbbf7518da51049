"""Small rules both services apply alike: page sizes, token claims, the bearer scheme."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from api import create_app
from shared.core.config import Config, ConfigError
from tests.api.test_auth import forged
from tests.conftest import Headers, bearer


def test_max_page_size_is_honoured_by_every_listing(
    config: Config, register: Callable[..., Any]
) -> None:
    headers = register()["headers"]
    client = create_app(config.replace(max_page_size=5)).test_client()
    chat = client.post("/api/agents/1/chats", json={}, headers=headers).json
    for path in ("/api/agents", "/api/chats", f"/api/chats/{chat['id']}/messages"):
        too_big = client.get(f"{path}?page_size=6", headers=headers)
        assert too_big.status_code == 422, path
        assert "MAX_PAGE_SIZE" in too_big.json["message"]
        assert too_big.json["errors"]["query"]["page_size"]
        assert client.get(f"{path}?page_size=5", headers=headers).status_code == 200, path


def test_max_page_size_beyond_the_documented_100_is_refused() -> None:
    with pytest.raises(ConfigError, match="MAX_PAGE_SIZE"):
        Config(max_page_size=101)


def incomplete_tokens(user_id: int) -> dict[str, str]:
    sub = str(user_id)
    return {
        "no exp": forged({"sub": sub, "exp": None}),
        "no type": forged({"sub": sub, "type": None}),
        "no jti": forged({"sub": sub, "jti": None}),
        "odd type": forged({"sub": sub, "type": "id"}),
        "text sub": forged({"sub": "alice"}),
        "number sub": forged({"sub": user_id}),
        "huge sub": forged({"sub": "9" * 30}),
        "negative sub": forged({"sub": "-1"}),
    }


def test_api_refuses_incomplete_tokens_with_401(
    client: FlaskClient, register: Callable[..., Any]
) -> None:
    user_id = register()["user"]["id"]
    assert (
        client.get("/api/auth/me", headers=bearer(forged({"sub": str(user_id)}))).status_code == 200
    )
    for name, token in incomplete_tokens(user_id).items():
        response = client.get("/api/auth/me", headers=bearer(token))
        assert response.status_code == 401, name
        assert response.json["message"] == "The token is invalid.", name
        refresh = client.post("/api/auth/refresh", headers=bearer(token))
        assert refresh.status_code == 401, name


@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "Bearer", "bEaReR"])
def test_api_bearer_scheme_in_any_case(
    client: FlaskClient, auth_headers: Headers, scheme: str
) -> None:
    token = auth_headers["Authorization"].split(" ", 1)[1]
    response = client.get("/api/auth/me", headers={"Authorization": f"{scheme} {token}"})
    assert response.status_code == 200


def test_api_other_schemes_are_refused(client: FlaskClient, auth_headers: Headers) -> None:
    token = auth_headers["Authorization"].split(" ", 1)[1]
    for header in (f"Basic {token}", token, "Bearer", "Bearer "):
        assert client.get("/api/auth/me", headers={"Authorization": header}).status_code == 401
