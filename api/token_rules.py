"""The shared token rules (shared/auth/tokens.py) applied where flask-jwt-extended decodes tokens.

flask-jwt-extended fills in a missing `type` ("access") and `jti`, and never requires `exp`;
the decode key loader sees the claims first, so an incomplete token is refused (401) there,
exactly as the voice service refuses it. The bearer scheme is case-insensitive on both.
"""

from __future__ import annotations

from typing import Any

import jwt as pyjwt
from flask import Flask, current_app, request

from api.extensions import jwt
from shared.auth.tokens import bearer_credentials, claims_are_complete


@jwt.decode_key_loader
def decode_key(_header: dict[str, Any], unverified_claims: dict[str, Any]) -> str:
    if not claims_are_complete(unverified_claims):
        raise pyjwt.InvalidTokenError("The token lacks required claims.")
    return str(current_app.config["JWT_SECRET_KEY"])


def normalize_bearer_scheme() -> None:
    """`bearer`, `BEARER` ... as `Bearer`, which flask-jwt-extended compares exactly."""
    token = bearer_credentials(request.environ.get("HTTP_AUTHORIZATION", ""))
    if token is not None:
        request.environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"


def register(app: Flask) -> None:
    app.before_request(normalize_bearer_scheme)
