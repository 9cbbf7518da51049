"""The static web UI at `/`, its config, and the local Swagger UI assets."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, send_from_directory

from api.deps import app_config
from shared.web.webui import SWAGGER_ASSETS, WEB_DIR, ui_config, ui_headers

bp = Blueprint("web", __name__)


def with_ui_headers(response: Response) -> Response:
    response.headers.update(ui_headers(app_config()))
    return response


@bp.get("/")
def index() -> Response:
    response = send_from_directory(WEB_DIR, "index.html", max_age=0)
    return with_ui_headers(response)


@bp.get("/assets/<path:filename>")
def assets(filename: str) -> Response:
    return with_ui_headers(send_from_directory(WEB_DIR / "assets", filename, max_age=300))


@bp.get("/config.json")
def config_json() -> Response:
    response = jsonify(ui_config(app_config()))
    response.headers["Cache-Control"] = "no-store"
    return with_ui_headers(response)


@bp.get("/api/docs/assets/<path:filename>")
def swagger_assets(filename: str) -> Response:
    return send_from_directory(SWAGGER_ASSETS, filename, max_age=86400)
