"""The configured text limits: one sentence and one documented default for both services.

The request schemas (api/schemas.py, voice/schemas.py) check text against the live Config at
request time; the OpenAPI documents of both services state the default the same way.
"""

from __future__ import annotations

from shared.core.config import Config
from shared.core.validation import InvalidInput

DEFAULTS = Config()


def default_limit(setting: str) -> int:
    """The limit a setting (e.g. `max_message_chars`) has when it is not configured."""
    return int(getattr(DEFAULTS, setting))


def documented_limit(what: str, setting: str) -> str:
    """`what`, with its default limit and the variable that changes it, for OpenAPI."""
    return (
        f"{what} (at most {default_limit(setting):,} characters by default; "
        f"configurable with {setting.upper()})"
    )


def too_long(what: str, value: str, limit: int) -> str | None:
    """The sentence for text over its limit (None when it fits)."""
    if len(value) <= limit:
        return None
    return f"{what} is {len(value):,} characters long; the limit is {limit:,} characters."


def within_limit(field: str, value: str, limit: int) -> str:
    """`value`, unless it is longer than `limit` (InvalidInput naming `field`, 422).

    For text no schema sees (a transcript); request bodies are checked by their schemas."""
    problem = too_long(f"The {field}", value, limit)
    if problem:
        raise InvalidInput(field, problem)
    return value
