"""Input rules shared by both services: the configured text limits."""

from __future__ import annotations

import re


class InvalidInput(Exception):
    """A field breaks a rule; answered with 422 and the field named."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def bounded_text(field: str, value: str, limit: int) -> str:
    """`value` unless it is blank or longer than `limit` characters (then InvalidInput)."""
    if re.search(r"\S", value) is None:
        raise InvalidInput(field, f"The {field} must not be empty.")
    if len(value) > limit:
        raise InvalidInput(
            field,
            f"The {field} is {len(value):,} characters long; the limit is {limit:,} characters.",
        )
    return value
