"""Refresh tokens rotate: each use revokes the token presented and hands out a new one of the
same login (its family). A refresh token presented after it was rotated is held by two parties,
one of whom copied it: the whole family is revoked, ending that login for both (refresh token
rotation with reuse detection, from the OAuth 2.0 security best current practice).

Two refreshes racing with the same token count as reuse too (the revocation of the token
presented is one unique row: only one refresh can write it). The web UI refreshes one tab at
a time and takes the token another tab got (web/assets/js/api.js).
"""

from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa

from shared.auth.tokens import family_key, revocation, revoked_stmt
from shared.core.db import AnySession

log = logging.getLogger(__name__)
REUSED = "The refresh token was already used; this login has ended. Log in again."


def rotate(session: AnySession, jti: str, expires_at: datetime) -> bool:
    """Revoke refresh token `jti` as it is exchanged; False when it already was (reuse)."""
    session.add(revocation(jti, expires_at))
    try:
        session.commit()
    except sa.exc.IntegrityError:
        session.rollback()
        return False
    return True


def end_reused_login(session: AnySession, family: str, until: datetime) -> None:
    """Revoke every token of login `family` (until its longest refresh token would expire),
    unless it already is (a logout revokes the family; that refresh token is merely late)."""
    key = family_key(family)
    if session.scalar(revoked_stmt([key])) is not None:
        return
    log.warning("refresh token reused: its login (family %s) is revoked", family[:8])
    session.add(revocation(key, until))
    try:
        session.commit()
    except sa.exc.IntegrityError:  # revoked at the same moment by another request
        session.rollback()
