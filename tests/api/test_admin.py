"""Administration: only admins reach /api/admin, they see accounts with their usage, disable
and enable them, move admin rights (never away from the last admin) and read usage totals."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shared.core.config import Config
from tests.conftest import Headers

ADMIN_PASSWORD = "boss-password-1"


def make_admin(app: Flask, username: str) -> None:
    result = app.test_cli_runner().invoke(args=["users", "grant-admin", username])
    assert result.exit_code == 0, result.output


@pytest.fixture
def admin_headers(app: Flask, register: Callable[..., Any], client: FlaskClient) -> Headers:
    register("boss", ADMIN_PASSWORD)
    make_admin(app, "boss")
    login = client.post("/api/auth/login", json={"username": "boss", "password": ADMIN_PASSWORD})
    return {"Authorization": f"Bearer {login.json['access_token']}"}


def admin_operations(client: FlaskClient, user_id: int) -> list[tuple[str, str]]:
    """Every operation under /api/admin in the OpenAPI document (so none can be forgotten)."""
    spec = client.get("/api/openapi.json").json
    found = [
        (method.upper(), path.replace("{user_id}", str(user_id)))
        for path, item in spec["paths"].items()
        if path.startswith("/api/admin/")
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    ]
    assert len(found) >= 4
    return found


def call(client: FlaskClient, method: str, path: str, headers: Headers | None = None) -> Any:
    body = json.dumps({"disabled": True}) if method in {"PATCH", "POST", "PUT"} else None
    return client.open(
        path, method=method, data=body, content_type="application/json", headers=headers or {}
    )


def test_non_admins_are_refused_on_every_admin_endpoint(
    client: FlaskClient, register: Callable[..., Any], guest_headers: Headers
) -> None:
    user = register("mallory", "pass-word-1")
    for method, path in admin_operations(client, user["user"]["id"]):
        assert call(client, method, path).status_code == 401, path
        for headers in (user["headers"], guest_headers):
            refused = call(client, method, path, headers)
            assert refused.status_code == 403, (method, path)
            assert refused.json["message"] == "Administrators only."
    assert client.get("/api/auth/me", headers=user["headers"]).status_code == 200  # not disabled


def test_admin_lists_and_searches_accounts_with_their_usage(
    client: FlaskClient,
    admin_headers: Headers,
    register: Callable[..., Any],
    new_chat: Callable[..., Any],
) -> None:
    alice = register("alice")["headers"]
    register("bob")
    chat = new_chat(alice)
    client.post(f"/api/chats/{chat['id']}/messages", json={"content": "a b c"}, headers=alice)
    listed = client.get("/api/admin/users", headers=admin_headers)
    assert listed.status_code == 200
    assert [u["username"] for u in listed.json] == ["alice", "bob", "boss"]
    assert json.loads(listed.headers["X-Pagination"])["total"] == 3
    by_name = {u["username"]: u for u in listed.json}
    assert by_name["alice"]["tokens_today"] > 0
    assert by_name["alice"]["tokens_total"] == by_name["alice"]["tokens_today"]
    assert by_name["bob"]["tokens_today"] == 0 and by_name["boss"]["is_admin"]
    found = client.get("/api/admin/users?q=LIC", headers=admin_headers).json
    assert [u["username"] for u in found] == ["alice"]
    assert client.get("/api/admin/users?q=%25", headers=admin_headers).json == []


def test_admin_disables_and_enables_an_account(
    client: FlaskClient, admin_headers: Headers, register: Callable[..., Any]
) -> None:
    carol = register("carol", "pass-word-1")
    path = f"/api/admin/users/{carol['user']['id']}"
    disabled = client.patch(path, json={"disabled": True}, headers=admin_headers)
    assert disabled.status_code == 200 and disabled.json["disabled"] is True
    assert client.get("/api/auth/me", headers=carol["headers"]).status_code == 401
    credentials = {"username": "carol", "password": "pass-word-1"}
    assert client.post("/api/auth/login", json=credentials).status_code == 403
    enabled = client.patch(path, json={"disabled": False}, headers=admin_headers)
    assert enabled.status_code == 200 and enabled.json["disabled"] is False
    assert client.post("/api/auth/login", json=credentials).status_code == 200


def test_the_last_admin_cannot_be_demoted_or_disabled(
    client: FlaskClient, admin_headers: Headers, register: Callable[..., Any]
) -> None:
    me = client.get("/api/auth/me", headers=admin_headers).json
    path = f"/api/admin/users/{me['id']}"
    for change in ({"is_admin": False}, {"disabled": True}):
        refused = client.patch(path, json=change, headers=admin_headers)
        assert refused.status_code == 409 and "last administrator" in refused.json["message"]
    assert client.get("/api/admin/users", headers=admin_headers).status_code == 200
    dave = register("dave")["user"]
    granted = client.patch(
        f"/api/admin/users/{dave['id']}", json={"is_admin": True}, headers=admin_headers
    )
    assert granted.json["is_admin"] is True
    demoted = client.patch(path, json={"is_admin": False}, headers=admin_headers)
    assert demoted.status_code == 200 and demoted.json["is_admin"] is False
    assert client.get("/api/admin/users", headers=admin_headers).status_code == 403


def test_admin_changes_unknown_or_anonymous_accounts_get_404(
    client: FlaskClient, admin_headers: Headers, guest: Callable[[], Any]
) -> None:
    anonymous_id = client.get("/api/auth/me", headers=guest()["headers"]).json["id"]
    for user_id in (anonymous_id, 999999):
        path = f"/api/admin/users/{user_id}"
        assert client.get(path, headers=admin_headers).status_code == 404
        assert client.patch(path, json={"disabled": True}, headers=admin_headers).status_code == 404
    bad = client.patch(
        f"/api/admin/users/{anonymous_id}", json={"disabled": "yes"}, headers=admin_headers
    )
    assert bad.status_code == 422
    empty = client.patch(f"/api/admin/users/{anonymous_id}", headers=admin_headers)
    assert empty.status_code == 400 and "JSON body" in empty.json["message"]


def test_admin_reads_usage_totals_by_day_model_and_user(
    client: FlaskClient,
    admin_headers: Headers,
    register: Callable[..., Any],
    guest_headers: Headers,
    new_chat: Callable[..., Any],
) -> None:
    erin = register("erin")["headers"]
    for headers in (erin, guest_headers):
        chat = new_chat(headers)
        client.post(f"/api/chats/{chat['id']}/messages", json={"content": "x y"}, headers=headers)
    by_user = client.get("/api/admin/usage?group_by=user", headers=admin_headers).json
    assert {row["key"] for row in by_user} == {"erin", "guests"}
    assert all(row["llm_calls"] == 1 and row["tokens"] > 0 for row in by_user)
    by_model = client.get("/api/admin/usage?group_by=model", headers=admin_headers).json
    assert [row["key"] for row in by_model] == [Config().openai_chat_model]
    assert by_model[0]["tokens"] == sum(row["tokens"] for row in by_user)
    by_day = client.get("/api/admin/usage", headers=admin_headers).json
    assert len(by_day) == 1 and by_day[0]["llm_calls"] == 2
    bad = client.get("/api/admin/usage?group_by=planet", headers=admin_headers)
    assert bad.status_code == 422


def test_users_cli_lists_disables_and_keeps_the_last_admin(
    app: Flask, client: FlaskClient, register: Callable[..., Any]
) -> None:
    register("frank", "pass-word-1")
    runner = app.test_cli_runner()
    assert "frank" in runner.invoke(args=["users", "list"]).output
    assert runner.invoke(args=["users", "disable", "FRANK"]).exit_code == 0
    login = {"username": "frank", "password": "pass-word-1"}
    assert client.post("/api/auth/login", json=login).status_code == 403
    assert runner.invoke(args=["users", "enable", "frank"]).exit_code == 0
    assert client.post("/api/auth/login", json=login).status_code == 200
    assert runner.invoke(args=["users", "grant-admin", "frank"]).exit_code == 0
    last = runner.invoke(args=["users", "revoke-admin", "frank"])
    assert last.exit_code != 0 and "last administrator" in last.output
    unknown = runner.invoke(args=["users", "disable", "nobody"])
    assert unknown.exit_code != 0 and "No account named 'nobody'" in unknown.output
