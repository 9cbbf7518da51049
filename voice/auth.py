"""Who is calling: the API's JWT access tokens, checked against the same revocation table."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any, TypeVar, cast

from quart import g, request

from shared.auth.access import Caller
from shared.auth.standing import ACCOUNT_GONE, MISSING_TOKEN, token_refusal
from shared.auth.tokens import TokenError, bearer_credentials, caller_row_stmt, decode_access_token
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


async def authenticate(token: str) -> Caller:
    """The caller of a valid, unrevoked access token whose account still exists (else 401)."""
    try:
        claims = decode_access_token(token, app_config().jwt_secret_key)
    except TokenError as exc:
        raise unauthorized(str(exc)) from exc
    session = db()
    await aon_its_own(session)  # one read: no BEGIN and COMMIT of its own
    account = caller_row_stmt(claims.user_id, claims.jti, claims.family)
    row = (await session.execute(account)).first()
    refusal = token_refusal(row, claims)
    if refusal is not None or row is None:
        raise unauthorized(str(refusal or ACCOUNT_GONE))
    user: User = row[0]
    caller = Caller(user_id=user.id, is_admin=user.is_admin, guest_id=claims.guest_id)
    await session.commit()  # release the connection; the view may wait on a provider next
    return caller


def token_required(view: F) -> F:
    """A valid access token whose account the view's turn checks in its first statement (the
    chat's lock, see shared/auth/standing.py): the rules of `login_required` without a query of
    their own."""

    @wraps(view)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            claims = decode_access_token(bearer_token(), app_config().jwt_secret_key)
        except TokenError as exc:
            raise unauthorized(str(exc)) from exc
        g.caller = Caller.of_token(claims)
        return await view(*args, **kwargs)

    return cast(F, wrapper)


def login_required(view: F) -> F:
    """A valid, unrevoked access token (user or guest) is required."""

    @wraps(view)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        g.caller = await authenticate(bearer_token())
        return await view(*args, **kwargs)

    return cast(F, wrapper)


def current_caller() -> Caller:
    return cast(Caller, g.caller)
