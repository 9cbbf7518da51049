"""Administration rules shared by the admin endpoints and the `flask --app api users` CLI."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm as so

from shared.models import User


class LastAdmin(Exception):
    """The change would leave no administrator (answered with 409)."""

    message = "This is the last administrator; make another account an admin first."


def other_admins_stmt(user: User) -> sa.Select[int]:
    """The other active administrators, locked, so two admins demoting each other at once
    cannot both succeed (the second waits and then sees the first's change)."""
    return (
        sa.select(User.id)
        .where(User.is_admin.is_(True), User.id != user.id, *active_clause())
        .with_for_update()
    )


def active_clause() -> list[sa.ColumnElement[bool]]:
    disabled = getattr(User, "disabled", None)
    return [disabled.is_(False)] if disabled is not None else []


def keep_an_admin(session: so.Session | so.scoped_session[Any], user: User) -> None:
    """Refuse to demote or disable `user` when no other active administrator would remain."""
    if user.is_admin and not session.scalars(other_admins_stmt(user)).first():
        raise LastAdmin(LastAdmin.message)


def set_admin(session: so.Session | so.scoped_session[Any], user: User, is_admin: bool) -> None:
    if not is_admin:
        keep_an_admin(session, user)
    user.is_admin = is_admin
