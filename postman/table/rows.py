"""A request of the collection as one row of data, and how a row becomes a Postman item."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .checks import Check

SERVICE_URLS = {"api": "{{api_url}}", "voice": "{{voice_url}}"}
SAMPLE_AUDIO = ({"key": "audio", "type": "file", "src": "sample.wav"},)


@dataclass(frozen=True)
class Row:
    """One request: what to send, with which token, what status(es) to expect, what to check.

    `token` names the collection variable sent as the bearer token (None: no auth). `service` is
    "api" unless the path starts with /voice; the web UI and /config.json exist on both.
    """

    name: str
    method: str
    path: str
    status: int | tuple[int, ...]
    token: str | None = "access_token"
    body: Any = None
    raw: str | None = None
    form: tuple[dict[str, str], ...] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    checks: tuple[Check, ...] = ()
    prerequest: str = ""
    description: str = ""
    service: str = ""

    @property
    def url(self) -> str:
        service = self.service or ("voice" if self.path.startswith("/voice") else "api")
        return SERVICE_URLS[service] + self.path

    @property
    def codes(self) -> tuple[int, ...]:
        return self.status if isinstance(self.status, tuple) else (self.status,)


@dataclass(frozen=True)
class Folder:
    name: str
    description: str
    rows: tuple[Row, ...]


def status_check(codes: tuple[int, ...]) -> str:
    if len(codes) == 1:
        return f'pm.test("status is {codes[0]}", () => pm.response.to.have.status({codes[0]}));'
    listed = ", ".join(str(code) for code in codes)
    return (
        f'pm.test("status is one of {listed}", '
        f"() => pm.expect(pm.response.code).to.be.oneOf([{listed}]));"
    )


def script(*parts: str) -> dict[str, Any]:
    lines: list[str] = []
    for part in parts:
        lines.extend(part.strip("\n").splitlines())
    return {"type": "text/javascript", "exec": lines}


def auth(token: str | None) -> dict[str, Any]:
    if token is None:
        return {"type": "noauth"}
    bearer = [{"key": "token", "value": "{{" + token + "}}", "type": "string"}]
    return {"type": "bearer", "bearer": bearer}


def request_body(row: Row) -> dict[str, Any] | None:
    if row.form is not None:
        return {"mode": "formdata", "formdata": [dict(part) for part in row.form]}
    if row.body is None and row.raw is None:
        return None
    raw = row.raw if row.raw is not None else json.dumps(row.body, indent=2)
    return {"mode": "raw", "raw": raw, "options": {"raw": {"language": "json"}}}


def item(row: Row) -> dict[str, Any]:
    """The Postman item for `row`: the request, its pre-request script and its tests."""
    headers = [{"key": key, "value": value} for key, value in row.headers.items()]
    body = request_body(row)
    if body is not None and body["mode"] == "raw":
        headers.append({"key": "Content-Type", "value": "application/json"})
    request: dict[str, Any] = {"method": row.method, "header": headers, "url": row.url}
    if row.description:
        request["description"] = row.description
    request["auth"] = auth(row.token)
    if body is not None:
        request["body"] = body
    tests = script(status_check(row.codes), *(check.script() for check in row.checks))
    events = [{"listen": "test", "script": tests}]
    if row.prerequest:
        events.insert(0, {"listen": "prerequest", "script": script(row.prerequest)})
    return {"name": row.name, "request": request, "event": events}


def folder_item(folder: Folder) -> dict[str, Any]:
    items = [item(row) for row in folder.rows]
    return {"name": folder.name, "description": folder.description, "item": items}
