"""Who is calling: the API's JWT access tokens, checked against the same revocation table."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any, TypeVar, cast

from quart import g, request
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth.access import Caller
from shared.auth.standing import ACCOUNT_GONE, MISSING_TOKEN, token_refusal
from shared.auth.tokens import (
    AccessClaims,
    TokenError,
    bearer_credentials,
    caller_row_stmt,
    decode_access_token,
)
from shared.core.db import aon_its_own
from shared.core.models import User
from voice.database import db
from voice.deps import app_config
from voice.errors import unauthorized

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])


def bearer_token() -> str:
    token = bearer_credentials(request.headers.get("Authorization", ""))
    if token is None:
        raise unauthorized(MISSING_TOKEN)
    return token


def token_claims() -> AccessClaims:
    """The claims of the request's bearer token, kept in `g` for the rest of the request (an
    open stream re-checks them: voice/standing.py); 401 when there is none or it is invalid."""
    try:
        claims = decode_access_token(bearer_token(), app_config().jwt_secret_key)
    except TokenError as exc:
        raise unauthorized(str(exc)) from exc
    g.token_claims = claims
    return claims


async def standing_account(session: AsyncSession, claims: AccessClaims) -> User:
    """The account unrevoked `claims` speak for, or TokenError (one read, no transaction)."""
    await aon_its_own(session)
    row = (
        await session.execute(caller_row_stmt(claims.user_id, claims.jti, claims.family))
    ).first()
    refusal = token_refusal(row, claims)
    if refusal is not None or row is None:
        raise refusal or TokenError(ACCOUNT_GONE)
    user: User = row[0]
    return user


async def authenticate(claims: AccessClaims) -> Caller:
    """The caller of unrevoked `claims` whose account still exists (else 401)."""
    session = db()
    try:
        user = await standing_account(session, claims)
    except TokenError as exc:
        raise unauthorized(str(exc)) from exc
    caller = Caller(user_id=user.id, is_admin=user.is_admin, guest_id=claims.guest_id)
    await session.commit()  # release the connection; the view may wait on a provider next
    return caller


def token_required(view: F) -> F:
    """A valid access token whose account the view's turn checks in its first statement (the
    chat's lock, see shared/auth/standing.py): the rules of `login_required` without a query of
    their own."""

    @wraps(view)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        g.caller = Caller.of_token(token_claims())
        return await view(*args, **kwargs)

    return cast(F, wrapper)


def login_required(view: F) -> F:
    """A valid, unrevoked access token (user or guest) is required."""

    @wraps(view)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        g.caller = await authenticate(token_claims())
        return await view(*args, **kwargs)

    return cast(F, wrapper)


def current_caller() -> Caller:
    return cast(Caller, g.caller)


def current_claims() -> AccessClaims:
    """The request's token claims (set by `token_required` and `login_required`)."""
    return cast(AccessClaims, g.token_claims)
