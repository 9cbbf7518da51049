"""The static web UI at `/`, its config and the local Swagger UI assets, as the API serves them."""

from __future__ import annotations

from quart import Blueprint, Response, jsonify, send_from_directory
from quart_schema import hide

from shared.web.webui import SWAGGER_ASSETS, WEB_DIR, ui_config, ui_headers
from voice.deps import app_config

bp = Blueprint("web", __name__)


def with_ui_headers(response: Response) -> Response:
    response.headers.update(ui_headers(app_config()))
    return response


@bp.get("/")
@hide
async def index() -> Response:
    response = await send_from_directory(WEB_DIR, "index.html", cache_timeout=0)
    return with_ui_headers(response)


@bp.get("/assets/<path:filename>")
@hide
async def assets(filename: str) -> Response:
    response = await send_from_directory(WEB_DIR / "assets", filename, cache_timeout=300)
    return with_ui_headers(response)


@bp.get("/config.json")
@hide
async def config_json() -> Response:
    response = jsonify(ui_config(app_config()))
    response.headers["Cache-Control"] = "no-store"
    return with_ui_headers(response)


@bp.get("/voice/docs/assets/<path:filename>")
@hide
async def swagger_assets(filename: str) -> Response:
    return await send_from_directory(SWAGGER_ASSETS, filename, cache_timeout=86400)
