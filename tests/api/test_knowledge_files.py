"""The files API: upload (checked at once), list, read, delete; who may; every bad file."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api import deps
from tests.api.test_agents import create_agent
from tests.conftest import Headers, MakeApp
from tests.knowledge_files import docx_bomb, docx_file, pdf_file


@pytest.fixture
def app(make_app: MakeApp, tmp_path: Path) -> Flask:
    return make_app(knowledge_queue_path=str(tmp_path / "queue.db"))


def upload(
    client: FlaskClient, headers: Headers, agent_id: int, data: bytes, name: str = "notes.txt"
) -> Any:
    body = {"file": (io.BytesIO(data), name)}
    return client.post(
        f"/api/agents/{agent_id}/files",
        data=body,
        headers=headers,
        content_type="multipart/form-data",
    )


def drain(app: Flask) -> None:
    with app.app_context():
        deps.knowledge_queue().drain()


def test_upload_then_ready_with_chunks(
    client: FlaskClient, app: Flask, auth_headers: Headers
) -> None:
    agent = create_agent(client, auth_headers)
    response = upload(
        client, auth_headers, agent["id"], b"# Title\n\nSome text.\n\n- a\n- b\n", "x.bin"
    )
    assert response.status_code == 202, response.json
    made = response.json
    assert made["status"] == "queued" and made["mime_type"] == "text/markdown"
    assert set(made) == {
        "id",
        "agent_id",
        "name",
        "mime_type",
        "size",
        "status",
        "chunks",
        "error",
        "created_at",
    }
    drain(app)
    got = client.get(f"/api/agents/{agent['id']}/files/{made['id']}", headers=auth_headers).json
    assert got["status"] == "ready" and got["chunks"] == 1 and got["error"] is None
    listed = client.get(f"/api/agents/{agent['id']}/files", headers=auth_headers)
    assert [f["id"] for f in listed.json] == [made["id"]]
    assert "X-Pagination" in listed.headers


@pytest.mark.parametrize(
    ("make", "mime"),
    [
        (
            lambda: pdf_file(["Page one about llamas.", "Page two about alpacas."]),
            "application/pdf",
        ),
        (
            lambda: docx_file([("Llamas", ["They hum."])]),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            lambda: b"<!DOCTYPE html><html><body><h1>Hi</h1><p>Llamas hum.</p></body></html>",
            "text/html",
        ),
        (lambda: b"Just some plain words about llamas.", "text/plain"),
    ],
)
def test_formats_are_told_by_content(
    client: FlaskClient, app: Flask, auth_headers: Headers, make: Callable[[], bytes], mime: str
) -> None:
    agent = create_agent(client, auth_headers)
    response = upload(client, auth_headers, agent["id"], make(), "misleading.txt")
    assert response.status_code == 202, response.json
    assert response.json["mime_type"] == mime
    drain(app)
    got = client.get(f"/api/agents/{agent['id']}/files/{response.json['id']}", headers=auth_headers)
    assert got.json["status"] == "ready", got.json
    assert got.json["chunks"] >= 1


@pytest.mark.parametrize(
    ("data", "status", "reason"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00binary", 415, "unsupported_file"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 ole", 422, "unreadable_file"),
        (b"%PDF-1.7\n garbage that is no pdf", 422, "unreadable_file"),
        (b"PK\x03\x04 not really a zip", 422, "unreadable_file"),
        (b"   \n  ", 422, "unreadable_file"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_kept(
    client: FlaskClient, auth_headers: Headers, data: bytes, status: int, reason: str
) -> None:
    agent = create_agent(client, auth_headers)
    response = upload(client, auth_headers, agent["id"], data)
    assert response.status_code == status, response.json
    assert response.json["errors"]["reason"] == reason
    assert client.get(f"/api/agents/{agent['id']}/files", headers=auth_headers).json == []


def test_encrypted_pdf_and_docx_bomb_are_refused(
    client: FlaskClient, auth_headers: Headers
) -> None:
    agent = create_agent(client, auth_headers)
    for data in (pdf_file(["secret"], password="pw"), docx_bomb(60)):
        response = upload(client, auth_headers, agent["id"], data)
        assert response.status_code == 422, response.json
        assert response.json["errors"]["reason"] == "unreadable_file"


def test_too_large_and_too_many(
    client: FlaskClient, make_app: MakeApp, register: Callable[..., Any], tmp_path: Path
) -> None:
    small = make_app(
        max_file_bytes=100, max_agent_files=1, knowledge_queue_path=str(tmp_path / "q.db")
    )
    client = small.test_client()
    headers = client.post(
        "/api/auth/register", json={"username": "zed", "password": "correct horse"}
    )
    tokens = client.post(
        "/api/auth/login", json={"username": "zed", "password": "correct horse"}
    ).json
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    agent = create_agent(client, headers)
    too_large = upload(client, headers, agent["id"], b"x" * 101)
    assert too_large.status_code == 413 and too_large.json["errors"]["reason"] == "file_too_large"
    huge = upload(client, headers, agent["id"], b"x" * 200_000)
    assert huge.status_code == 413 and huge.json["errors"]["reason"] == "file_too_large"
    assert upload(client, headers, agent["id"], b"fine").status_code == 202
    second = upload(client, headers, agent["id"], b"fine too")
    assert second.status_code == 409 and second.json["errors"]["reason"] == "too_many_files"


def test_only_owner_or_admin(
    client: FlaskClient, app: Flask, register: Callable[..., Any], guest_headers: Headers
) -> None:
    alice, bob = register("alice")["headers"], register("bob")["headers"]
    private = create_agent(client, alice)
    public = create_agent(client, alice, is_public=True)
    made = upload(client, alice, public["id"], b"alice's notes").json
    for headers in (bob, guest_headers):
        assert client.get(f"/api/agents/{private['id']}/files", headers=headers).status_code == 404
        assert client.get(f"/api/agents/{public['id']}/files", headers=headers).status_code == 403
        path = f"/api/agents/{public['id']}/files/{made['id']}"
        assert client.get(path, headers=headers).status_code == 403
        assert client.delete(path, headers=headers).status_code == 403
        assert upload(client, headers, public["id"], b"mine").status_code == 403
    # A file is found only under its own agent.
    other = create_agent(client, alice)
    assert (
        client.get(f"/api/agents/{other['id']}/files/{made['id']}", headers=alice).status_code
        == 404
    )


def test_delete(client: FlaskClient, app: Flask, auth_headers: Headers) -> None:
    agent = create_agent(client, auth_headers)
    made = upload(client, auth_headers, agent["id"], b"to be removed").json
    drain(app)
    path = f"/api/agents/{agent['id']}/files/{made['id']}"
    assert client.delete(path, headers=auth_headers).status_code == 204
    assert client.get(path, headers=auth_headers).status_code == 404
