"""The one JSON error envelope both services answer with, for every status.

What a failed turn answers with is the turn engine's own (shared/turns/failures.py).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

# The sentence for a status when the code that raised it gave none.
DEFAULT_MESSAGES = {
    400: "The request could not be understood.",
    404: "Not found.",
    405: "That method is not allowed here.",
    413: "The request body is larger than the allowed limit.",
    415: "That media type is not supported here.",
    422: "The request has invalid fields.",
}
DATABASE_UNAVAILABLE = "The database is unavailable; try again shortly."


def envelope(code: int, message: str, errors: dict[str, Any] | None = None) -> dict[str, Any]:
    """`{"code", "status", "message", "errors"?}`: status is the HTTP reason phrase."""
    try:
        status = HTTPStatus(code).phrase
    except ValueError:
        status = "Error"
    body: dict[str, Any] = {"code": code, "status": status, "message": message}
    if errors:
        body["errors"] = errors
    return body


def first_error_sentence(errors: Any, prefix: str = "") -> str | None:
    """A readable sentence from nested validation errors, e.g. 'content: Longer than 4000.'"""
    if isinstance(errors, dict):
        for key, value in errors.items():
            label = key if key not in ("json", "query", "form", "files", "_schema") else ""
            found = first_error_sentence(value, f"{prefix}.{label}".strip(".") if label else prefix)
            if found:
                return found
    elif isinstance(errors, list) and errors:
        if all(isinstance(item, str) for item in errors):
            return f"{prefix}: {errors[0]}" if prefix else str(errors[0])
        return first_error_sentence(errors[0], prefix)
    elif isinstance(errors, str):
        return f"{prefix}: {errors}" if prefix else errors
    return None
