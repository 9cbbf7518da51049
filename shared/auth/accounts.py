"""Account state that ends tokens: disabling an account and ending all of its sessions.

Every access and refresh token carries the account's token generation (claim `gen`) at the
time it was issued. Both services accept a token only while the account is enabled, the
generation still matches and the token was not issued before the account existed (so a token
of a deleted account never speaks for a later account that got the same id).
"""

from __future__ import annotations

from typing import Any

from shared.core.db import AnySession
from shared.core.models import User

GENERATION_CLAIM = "gen"


def end_all_sessions(session: AnySession, user: User) -> None:
    """End every token issued to `user` so far (the caller commits)."""
    # An SQL expression, so two concurrent calls both count.
    user.token_generation = User.token_generation + 1
    session.flush()
    session.refresh(user, ["token_generation"])


def set_disabled(session: AnySession, user: User, disabled: bool) -> None:
    """Disable or re-enable `user`; disabling also ends all its sessions (the caller commits)."""
    user.disabled = disabled
    if disabled:
        end_all_sessions(session, user)
    else:
        session.flush()


def accepts_token(user: User, generation: Any, issued_at: Any) -> bool:
    """Whether a token with these claims still speaks for `user`."""
    if user.disabled or not isinstance(generation, int) or isinstance(generation, bool):
        return False
    if not isinstance(issued_at, int | float) or isinstance(issued_at, bool):
        return False
    created = int(user.created_at.timestamp())  # token times are whole seconds
    return generation == user.token_generation and issued_at >= created
