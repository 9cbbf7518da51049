"""Read-only views that need no transaction: each of their statements runs on its own.

A page read makes no writes, so BEGIN and ROLLBACK would only add two round trips on
PostgreSQL. Views that read several statements which must agree (an export) keep one.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from api.extensions import db
from shared.core.db import on_its_own

F = TypeVar("F", bound=Callable[..., Any])


def without_transaction(view: F) -> F:
    """Run `view` (and the token check before it: put this above `login_required`) with each
    statement in its own implicit transaction."""

    @wraps(view)
    def reading(*args: Any, **kwargs: Any) -> Any:
        on_its_own(db.session())
        return view(*args, **kwargs)

    return cast(F, reading)
