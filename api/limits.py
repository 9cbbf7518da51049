"""How agent fields are normalised before they are stored.

Lengths and blank text are checked by the request schemas (api/schemas.py) against this
Config at request time; views do not check them again.
"""

from __future__ import annotations

from typing import Any

from shared.core.validation import trimmed


def trimmed_agent_fields(data: dict[str, Any]) -> dict[str, Any]:
    """`data` with the name trimmed, and a blank model or voice meaning "the default" (None)."""
    fields = dict(data)
    if "name" in fields:
        fields["name"] = trimmed(fields["name"])
    for optional in ("model", "voice"):
        if optional in fields and fields[optional] is not None:
            fields[optional] = trimmed(fields[optional]) or None
    return fields
