"""Administration rules shared by the admin endpoints and the `flask --app api users` CLI."""

from __future__ import annotations

from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import orm as so

from shared.auth import accounts
from shared.core.models import ANONYMOUS_USERNAME, User

Session = so.Session | so.scoped_session[Any]


class LastAdmin(Exception):
    """The change would leave no administrator (answered with 409)."""

    message = "This is the last administrator; make another account an admin first."


def other_admins_stmt(user: User) -> sa.Select[int]:
    """The other active administrators, locked, so two admins demoting each other at once
    cannot both succeed (the second waits and then sees the first's change)."""
    return (
        sa.select(User.id)
        .where(User.is_admin.is_(True), User.disabled.is_(False), User.id != user.id)
        .with_for_update()
    )


def keep_an_admin(session: Session, user: User) -> None:
    """Refuse to demote or disable `user` when no other active administrator would remain."""
    if user.is_admin and not session.scalars(other_admins_stmt(user)).first():
        raise LastAdmin(LastAdmin.message)


def set_admin(session: Session, user: User, is_admin: bool) -> None:
    """Grant or revoke admin (never the last active admin; the caller commits)."""
    if not is_admin:
        keep_an_admin(session, user)
    user.is_admin = is_admin


def set_disabled(session: Session, user: User, disabled: bool) -> None:
    """Disable (its tokens are refused by both services at once) or enable an account."""
    if disabled:
        keep_an_admin(session, user)
    accounts.set_disabled(cast(so.Session, session), user, disabled)


def update_user(session: Session, user: User, changes: dict[str, bool]) -> None:
    """Apply `is_admin` / `disabled` changes and commit (LastAdmin leaves nothing changed)."""
    try:
        if "is_admin" in changes:
            set_admin(session, user, changes["is_admin"])
        if "disabled" in changes:
            set_disabled(session, user, changes["disabled"])
    except LastAdmin:
        session.rollback()
        raise
    session.commit()


def account_stmt(user_id: int) -> sa.Select[User]:
    """An account administrators may change (never the anonymous user)."""
    return sa.select(User).where(User.id == user_id, User.username != ANONYMOUS_USERNAME)


def account_by_name_stmt(username: str) -> sa.Select[User]:
    return sa.select(User).where(
        User.username == username.strip().lower(), User.username != ANONYMOUS_USERNAME
    )
