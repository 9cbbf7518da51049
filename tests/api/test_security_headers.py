"""Security headers on every API response; the docs page allows only its own inline script."""

from __future__ import annotations

import base64
import hashlib
import re

from flask.testing import FlaskClient

from tests.conftest import Headers


def inline_script_hash(html: str) -> str:
    body = re.findall(r"<script>(.*?)</script>", html, re.DOTALL)[0]
    return "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"


def assert_hardened(headers: dict[str, str] | object) -> str:
    get = headers.get  # type: ignore[attr-defined]
    assert get("X-Content-Type-Options") == "nosniff"
    assert get("X-Frame-Options") == "DENY"
    csp = str(get("Content-Security-Policy"))
    assert "frame-ancestors 'none'" in csp
    return csp


def test_api_docs_page_csp_allows_only_its_inline_script(client: FlaskClient) -> None:
    response = client.get("/api/docs")
    assert response.status_code == 200
    csp = assert_hardened(response.headers)
    script_src = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
    assert inline_script_hash(response.get_data(as_text=True)) in script_src
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp


def test_every_api_response_carries_security_headers(
    client: FlaskClient, auth_headers: Headers
) -> None:
    responses = [
        client.get("/api/health"),
        client.get("/api/openapi.json"),
        client.get("/api/agents", headers=auth_headers),
        client.get("/api/agents"),  # 401
        client.get("/api/nothing-here"),  # 404
        client.delete("/api/health"),  # 405
        client.post("/api/auth/login", data=b"\xff", content_type="application/json"),  # 400
        client.get("/api/docs/assets/swagger-ui.css"),
    ]
    for response in responses:
        csp = assert_hardened(response.headers)
        if response.mimetype == "application/json":
            assert csp.startswith("default-src 'none'")


def test_web_ui_keeps_its_own_policy(client: FlaskClient) -> None:
    csp = assert_hardened(client.get("/").headers)
    # WebAssembly may be compiled (conversation mode's voice-activity model); no eval, no inline.
    assert "script-src 'self' 'wasm-unsafe-eval';" in csp and "connect-src" in csp
    assert "'unsafe-eval'" not in csp and "'unsafe-inline'" not in csp
