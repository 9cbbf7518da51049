"""Account state ends tokens: disabled accounts, ending all sessions, ids never reused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from api.extensions import db
from shared.auth.accounts import end_all_sessions, set_disabled
from shared.core.models import User
from tests.api.test_auth import forged
from tests.conftest import bearer


def change_account(app: Flask, user_id: int, change: Callable[..., None], *args: Any) -> None:
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        change(db.session, user, *args)
        db.session.commit()


def test_disable_account_refuses_its_tokens(
    app: Flask, client: FlaskClient, register: Callable[..., Any]
) -> None:
    tokens = register("ivan", "pass-word-1")
    change_account(app, tokens["user"]["id"], set_disabled, True)
    assert client.get("/api/auth/me", headers=tokens["headers"]).status_code == 401
    refresh = client.post("/api/auth/refresh", headers=bearer(tokens["refresh_token"]))
    assert refresh.status_code == 401
    login = client.post("/api/auth/login", json={"username": "ivan", "password": "pass-word-1"})
    assert login.status_code == 403
    assert login.json["errors"]["reason"] == "account_disabled"


def test_enable_account_again_allows_login_but_not_old_tokens(
    app: Flask, client: FlaskClient, register: Callable[..., Any]
) -> None:
    tokens = register("judy", "pass-word-1")
    change_account(app, tokens["user"]["id"], set_disabled, True)
    change_account(app, tokens["user"]["id"], set_disabled, False)
    assert client.get("/api/auth/me", headers=tokens["headers"]).status_code == 401
    login = client.post("/api/auth/login", json={"username": "judy", "password": "pass-word-1"})
    assert login.status_code == 200
    assert client.get("/api/auth/me", headers=bearer(login.json["access_token"])).status_code == 200


def test_end_all_sessions_refuses_every_earlier_token(
    app: Flask, client: FlaskClient, register: Callable[..., Any]
) -> None:
    first = register("kate", "pass-word-1")
    second = client.post("/api/auth/login", json={"username": "kate", "password": "pass-word-1"})
    refreshed = client.post("/api/auth/refresh", headers=bearer(first["refresh_token"])).json
    change_account(app, first["user"]["id"], end_all_sessions)
    for token in (first["access_token"], second.json["access_token"], refreshed["access_token"]):
        assert client.get("/api/auth/me", headers=bearer(token)).status_code == 401
    stale_refresh = client.post("/api/auth/refresh", headers=bearer(first["refresh_token"]))
    assert stale_refresh.status_code == 401
    fresh = client.post("/api/auth/login", json={"username": "kate", "password": "pass-word-1"})
    assert client.get("/api/auth/me", headers=bearer(fresh.json["access_token"])).status_code == 200


def test_token_of_deleted_account_never_speaks_for_a_new_account(
    app: Flask, client: FlaskClient, register: Callable[..., Any]
) -> None:
    old = register("liam")
    with app.app_context():
        db.session.execute(sa.delete(User).where(User.id == old["user"]["id"]))
        db.session.commit()
    new = register("mona")
    assert new["user"]["id"] != old["user"]["id"]
    for token in (old["access_token"], old["refresh_token"]):
        me = client.get("/api/auth/me", headers=bearer(token))
        assert me.status_code == 401
    assert client.post("/api/auth/refresh", headers=bearer(old["refresh_token"])).status_code == 401


def test_token_issued_before_the_account_existed_is_refused(
    client: FlaskClient, register: Callable[..., Any]
) -> None:
    user_id = register()["user"]["id"]
    earlier = datetime.now(UTC) - timedelta(minutes=10)
    token = forged({"sub": str(user_id), "gen": 0, "iat": earlier, "nbf": earlier})
    assert client.get("/api/auth/me", headers=bearer(token)).status_code == 401


def test_token_without_a_valid_generation_is_refused(
    client: FlaskClient, register: Callable[..., Any]
) -> None:
    user_id = register()["user"]["id"]
    valid = forged({"sub": str(user_id)})
    assert client.get("/api/auth/me", headers=bearer(valid)).status_code == 200
    for generation in (None, "0", 1, True):
        token = forged({"sub": str(user_id), "gen": generation})
        response = client.get("/api/auth/me", headers=bearer(token))
        assert response.status_code == 401, generation


def test_logout_all_ends_every_login_of_the_account(
    client: FlaskClient, register: Callable[..., Any]
) -> None:
    first = register("pia", "pass-word-1")
    second = client.post("/api/auth/login", json={"username": "pia", "password": "pass-word-1"})
    assert client.post("/api/auth/logout-all", headers=first["headers"]).status_code == 204
    for token in (first["access_token"], second.json["access_token"]):
        assert client.get("/api/auth/me", headers=bearer(token)).status_code == 401
    for token in (first["refresh_token"], second.json["refresh_token"]):
        assert client.post("/api/auth/refresh", headers=bearer(token)).status_code == 401
    again = client.post("/api/auth/login", json={"username": "pia", "password": "pass-word-1"})
    assert client.get("/api/auth/me", headers=bearer(again.json["access_token"])).status_code == 200


def test_logout_all_leaves_other_accounts_alone(
    client: FlaskClient, register: Callable[..., Any]
) -> None:
    mine, theirs = register("quin"), register("rosa")
    assert client.post("/api/auth/logout-all", headers=mine["headers"]).status_code == 204
    assert client.get("/api/auth/me", headers=theirs["headers"]).status_code == 200


def test_logout_all_is_refused_to_guests(
    client: FlaskClient, guest: Callable[[], dict[str, Any]]
) -> None:
    one, other = guest(), guest()
    response = client.post("/api/auth/logout-all", headers=one["headers"])
    assert response.status_code == 403
    assert client.get("/api/auth/me", headers=other["headers"]).status_code == 200
