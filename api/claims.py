"""The API's hook for guest chats kept on sign-up (the rule lives in shared/auth/guest_claim.py)."""

from __future__ import annotations

from typing import Any

from flask import current_app, request

from api.extensions import db
from shared.auth.guest_claim import bearer_token, claim_guest_chats
from shared.core.db import utcnow
from shared.core.models import User

CLAIM_DOC = (
    "Send a guest's access token as the bearer token to move that guest's chats to the "
    "account (`claimed_chats`); the guest token is revoked. Any other token claims nothing."
)


def claim_request_guest(user: User) -> int:
    """Move the chats of the guest whose token came with this request to `user` (uncommitted)."""
    db.session.flush()  # `user` needs its id
    token = bearer_token(request.headers.get("Authorization"))
    config = current_app.config
    family_ends = utcnow() + config["JWT_REFRESH_TOKEN_EXPIRES"]
    return claim_guest_chats(db.session, user, token, config["JWT_SECRET_KEY"], family_ends)


def registered(user: User, claimed_chats: int) -> dict[str, Any]:
    """The register response: the new user plus how many guest chats it took over."""
    fields = ("id", "username", "is_admin", "created_at")
    return {**{name: getattr(user, name) for name in fields}, "claimed_chats": claimed_chats}
