"""JWT rules shared by both services: one pinned algorithm, one claim layout, one revocation table.

The API issues tokens through flask-jwt-extended configured from these constants; the voice service
decodes them with `decode_access_token`, so both agree on what a valid access token is.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt
import sqlalchemy as sa

from shared.auth.accounts import GENERATION_CLAIM
from shared.core.models import RevokedToken, User
from shared.core.validation import MAX_ID

ALGORITHM = "HS256"
GUEST_CLAIM = "guest_id"
# Every token minted from one login (the refresh token and each access token it refreshes)
# shares a family id; logout revokes the whole family.
FAMILY_CLAIM = "fam"
TYPE_CLAIM = "type"


class TokenError(Exception):
    """The token is malformed, tampered, expired, revoked or of the wrong type."""


@dataclass(frozen=True)
class AccessClaims:
    user_id: int
    jti: str
    expires_at: datetime
    guest_id: str | None = None
    # Checked against the account by shared.auth.accounts.accepts_token.
    generation: Any = None
    issued_at: Any = None
    family: str | None = None


REQUIRED_CLAIMS = ("exp", "iat", "sub", "jti", TYPE_CLAIM, GENERATION_CLAIM)


def subject_id(sub: Any) -> int | None:
    """The user id a `sub` claim names: a decimal string of a database id, else None."""
    if not isinstance(sub, str) or not sub.isascii() or not sub.isdecimal():
        return None
    user_id = int(sub)
    return user_id if 1 <= user_id <= MAX_ID else None


def claims_are_complete(claims: Mapping[str, Any]) -> bool:
    """Every required claim is there, `type` is access or refresh and `sub` names an id."""
    return (
        all(name in claims for name in REQUIRED_CLAIMS)
        and claims[TYPE_CLAIM] in ("access", "refresh")
        and subject_id(claims["sub"]) is not None
    )


def bearer_credentials(header: str) -> str | None:
    """The token of an `Authorization: Bearer <token>` header (the scheme in any case)."""
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


EXPIRED = "The token has expired."


def decode_access_token(token: str, secret: str) -> AccessClaims:
    """Validate signature, algorithm, expiry and type; return the claims the services use.

    A token's signature and claims are checked once per worker (the same bytes under the same
    secret give the same answer); its expiry is checked on every use. Whether it is revoked
    is not a property of its bytes: the caller's account query checks that every time."""
    claims = _verified(token, secret)
    if claims.expires_at.timestamp() <= time.time():
        raise TokenError(EXPIRED)
    return claims


@functools.lru_cache(maxsize=4096)
def _verified(token: str, secret: str) -> AccessClaims:
    """The claims of a token whose signature, algorithm, claims and type are valid (a refused
    token raises, and raising is not cached)."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            options={"require": list(REQUIRED_CLAIMS)},
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenError(EXPIRED) from exc
    except jwt.InvalidTokenError as exc:
        raise TokenError("The token is invalid.") from exc
    if claims.get(TYPE_CLAIM) != "access":
        raise TokenError("An access token is required.")
    user_id = subject_id(claims["sub"])
    if user_id is None:
        raise TokenError("The token is invalid.")
    guest_id = claims.get(GUEST_CLAIM)
    return AccessClaims(
        user_id=user_id,
        jti=str(claims["jti"]),
        expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
        guest_id=str(guest_id) if guest_id else None,
        generation=claims[GENERATION_CLAIM],
        issued_at=claims["iat"],
        family=str(claims[FAMILY_CLAIM]) if claims.get(FAMILY_CLAIM) else None,
    )


def family_key(family: str) -> str:
    """How a revoked token family is stored beside revoked token ids."""
    return f"family:{family}"


def is_revoked_stmt(jti: str, family: str | None = None) -> sa.Select[int]:
    """A query that returns a row when `jti`, or the family it belongs to, has been revoked."""
    return revoked_stmt([jti, family_key(family)] if family else [jti])


def revoked_stmt(keys: Sequence[Any]) -> sa.Select[int]:
    """A row when one of `keys` (values or bound parameters) is a revoked token or family."""
    return sa.select(RevokedToken.id).where(RevokedToken.jti.in_(keys)).limit(1)


def caller_row_stmt(user_id: int, jti: str, family: str | None = None) -> sa.Select[User, bool]:
    """The token's account and whether the token (or its family) is revoked, in one query:
    `(User, revoked)`, or no row when the account is gone. Exact on every request."""
    revoked = sa.exists(is_revoked_stmt(jti, family)).label("revoked")
    return sa.select(User, revoked).where(User.id == user_id)


def revocation(jti: str, expires_at: datetime) -> RevokedToken:
    return RevokedToken(jti=jti, expires_at=expires_at)


def purge_expired_stmt(now: datetime) -> sa.Delete:
    """Revocations of tokens that have expired anyway are no longer needed."""
    return sa.delete(RevokedToken).where(RevokedToken.expires_at < now)
