"""Whether an access token still speaks for its account: not revoked (nor its family), the
account there, enabled, of the same token generation, created before the token, and a guest
token only for the anonymous account.

Checked two ways that must stay in step: `token_refusal` reads the account and decides in
Python (every request of the voice service, and the API through flask-jwt-extended), and
`account_accepts` is the same rule as an SQL predicate, folded into the first statement a
turn runs anyway (the chat's lock), so a turn pays no query of its own for it. Both are exact
on every request: nothing is cached.
"""

from __future__ import annotations

import functools
import math
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm as so

from shared.auth.access import caller_for
from shared.auth.accounts import accepts_token
from shared.auth.tokens import AccessClaims, TokenError, caller_row_stmt, family_key, revoked_stmt
from shared.core.models import ANONYMOUS_USERNAME, User

MISSING_TOKEN = "Authentication required: send 'Authorization: Bearer <token>'."
REVOKED = "The token has been revoked."
ACCOUNT_GONE = "The token's account no longer exists."


def token_refusal(row: sa.Row[User, bool] | None, claims: AccessClaims) -> TokenError | None:
    """Why `claims` are refused, given `caller_row_stmt`'s row (None when there is none)."""
    if row is not None and row.revoked:
        return TokenError(REVOKED)
    user = row[0] if row is not None else None
    if user is None or caller_for(user, claims.guest_id) is None:
        return TokenError(ACCOUNT_GONE)
    if not accepts_token(user, claims.generation, claims.issued_at):
        return TokenError(ACCOUNT_GONE)
    return None


def check_token(session: so.Session, claims: AccessClaims) -> User:
    """The account `claims` speak for, or TokenError (one query)."""
    row = session.execute(caller_row_stmt(claims.user_id, claims.jti, claims.family)).first()
    refusal = token_refusal(row, claims)
    if refusal is not None or row is None:
        raise refusal or TokenError(ACCOUNT_GONE)
    return row[0]


def account_params(claims: AccessClaims) -> dict[str, Any] | None:
    """The bound parameters of `account_accepts`, or None when the claims cannot be accepted
    at all (a generation or issue time of the wrong type)."""
    generation, issued_at = claims.generation, claims.issued_at
    well_typed = isinstance(generation, int) and isinstance(issued_at, int | float)
    if not well_typed or isinstance(generation, bool) or isinstance(issued_at, bool):
        return None
    # accepts_token: issued_at >= the account's creation, in whole seconds
    created_before = datetime.fromtimestamp(math.floor(issued_at) + 1, UTC)
    keys = {"token_jti": claims.jti, "token_family": family_key(claims.family or "")}
    return {
        "token_user": claims.user_id,
        "token_gen": generation,
        "token_iat": created_before,
    } | keys


@functools.cache
def account_accepts(guest: bool) -> sa.ColumnElement[bool]:
    """`token_refusal` is None, as SQL over `account_params` (see `accepts_token`,
    `caller_for` and `revoked_stmt`); `guest`: the token carries a guest id."""
    is_anonymous = User.username == ANONYMOUS_USERNAME
    account = sa.select(User.id).where(
        User.id == sa.bindparam("token_user", type_=sa.Integer),
        User.disabled.is_(False),
        User.token_generation == sa.bindparam("token_gen", type_=sa.Integer),
        User.created_at < sa.bindparam("token_iat", type_=User.created_at.type),
        is_anonymous if guest else ~is_anonymous,
    )
    keys = [
        sa.bindparam("token_jti", type_=sa.String),
        sa.bindparam("token_family", type_=sa.String),
    ]
    return sa.and_(sa.exists(account), ~sa.exists(revoked_stmt(keys)))
