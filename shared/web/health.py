"""The health report both services answer `GET /health` with, once its database answered."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from shared.catalog.lifecycle import ModelWarning

# A real round trip: the report says "ok" only after the database answered this.
DATABASE_PROBE = sa.text("SELECT 1")


def health_report(
    providers: dict[str, str], warnings: Iterable[ModelWarning], **details: Any
) -> dict[str, Any]:
    """`status`, `database`, the active `providers` and the model `warnings`, plus `details`."""
    return {
        "status": "ok",
        "database": "ok",
        "providers": providers,
        "warnings": [warning.as_json() for warning in warnings],
        **details,
    }
