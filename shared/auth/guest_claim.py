"""Guest chats kept on sign-up: a guest's chats move to the account it registers or logs in to.

The caller (the API's register and login views) passes the bearer token it was sent; only a
valid guest access token that passes the same standing check as any request (neither it nor
its family revoked, e.g. by a logout) claims anything, and claiming revokes the token and its
whole family (the guest's refresh token mints nothing more), so a token that was stolen after
a claim, or replayed, claims nothing. The caller commits: the account, the
moved chats and messages and the revocation are one transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

import sqlalchemy as sa
from sqlalchemy import orm as so
from sqlalchemy.dialects import postgresql, sqlite

from shared.auth.access import caller_for
from shared.auth.standing import check_token
from shared.auth.tokens import AccessClaims, TokenError, decode_access_token, family_key
from shared.core.db import AnySession, utcnow
from shared.core.models import Chat, Message, RevokedToken, User

# A plain session or a scoped one (Flask-SQLAlchemy's `db.session`).


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def guest_claims(session: AnySession, token: str | None, secret: str) -> AccessClaims | None:
    """The claims of `token` when it is a valid guest access token, else None."""
    if token is None:
        return None
    try:
        claims = decode_access_token(token, secret)
    except TokenError:
        return None
    if claims.guest_id is None:
        return None
    try:  # revoked (or its family, by a logout), or its account refused: claims nothing
        user = check_token(cast(so.Session, session), claims)
    except TokenError:
        return None
    return claims if caller_for(user, claims.guest_id) is not None else None


def claim_guest_chats(
    session: AnySession, user: User, token: str | None, secret: str, family_ends: datetime
) -> int:
    """Move the chats (and messages) of the guest `token` names to `user`; how many moved.

    The token is revoked first with an insert that does nothing when it is already revoked:
    that row is the claim's lock, so a token claims at most once even when sent twice at once.
    """
    claims = guest_claims(session, token, secret)
    if claims is None or not _revoke_once(session, claims.jti, claims.expires_at):
        return 0
    if claims.family:  # the guest's refresh token and every access token it minted
        _revoke_once(session, family_key(claims.family), family_ends)
    owned = sa.and_(Chat.user_id == claims.user_id, Chat.guest_id == claims.guest_id)
    chat_ids = sa.select(Chat.id).where(owned).scalar_subquery()
    session.execute(
        sa.update(Message)
        .where(Message.chat_id.in_(chat_ids), Message.user_id == claims.user_id)
        .values(user_id=user.id)
        .execution_options(synchronize_session=False)
    )
    moved = session.execute(
        sa.update(Chat)
        .where(owned)
        .values(user_id=user.id, guest_id=None)
        .execution_options(synchronize_session=False)
    )
    return int(moved.rowcount or 0)  # type: ignore[attr-defined]


def _revoke_once(session: AnySession, jti: str, expires_at: datetime) -> bool:
    """Revoke `jti`; False when it was revoked already (by a logout or an earlier claim)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(RevokedToken)
        .values(jti=jti, expires_at=expires_at, revoked_at=utcnow())
        .on_conflict_do_nothing(index_elements=["jti"])
        .returning(RevokedToken.id)
    )
    return session.execute(statement).scalar() is not None
