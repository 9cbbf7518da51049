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

import math
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import orm as so

from shared.access import caller_for
from shared.accounts import accepts_token
from shared.models import ANONYMOUS_USERNAME, User
from shared.tokens import AccessClaims, TokenError, caller_row_stmt, is_revoked_stmt

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


def account_accepts(claims: AccessClaims) -> sa.ColumnElement[bool]:
    """`token_refusal` is None, as SQL (see `accepts_token` and `caller_for`)."""
    generation, issued_at = claims.generation, claims.issued_at
    well_typed = isinstance(generation, int) and isinstance(issued_at, int | float)
    if not well_typed or isinstance(generation, bool) or isinstance(issued_at, bool):
        return sa.false()
    # accepts_token: issued_at >= the account's creation, in whole seconds
    created_before = datetime.fromtimestamp(math.floor(issued_at) + 1, UTC)
    is_anonymous = User.username == ANONYMOUS_USERNAME
    account = sa.select(User.id).where(
        User.id == claims.user_id,
        User.disabled.is_(False),
        User.token_generation == generation,
        User.created_at < created_before,
        is_anonymous if claims.guest_id is not None else ~is_anonymous,
    )
    return sa.and_(sa.exists(account), ~sa.exists(is_revoked_stmt(claims.jti, claims.family)))
