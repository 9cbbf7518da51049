"""One rule for JSON request bodies on both services, checked before a framework parses them.

A body must be UTF-8 JSON nested at most MAX_JSON_DEPTH deep: otherwise 400. Its text must be
storable: no lone surrogates and no NUL characters (PostgreSQL cannot store either): 422.
Bodies are small (64 KiB), so decoding them once more here is cheap.
"""

from __future__ import annotations

import json
from typing import Any

MAX_JSON_DEPTH = 32
INVALID_BODY = "invalid_body"


class BadBody(Exception):
    """A JSON body that cannot be accepted: `status` 400 (undecodable) or 422 (unstorable text)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status

    @property
    def errors(self) -> dict[str, Any]:
        reason = INVALID_BODY if self.status == 400 else "validation"
        return {"json": [self.message], "reason": reason}


def is_json_media_type(mimetype: str) -> bool:
    return mimetype == "application/json" or mimetype.endswith("+json")


def check_json_body(data: bytes) -> None:
    """Raise BadBody unless `data` is an acceptable JSON document (empty bodies pass)."""
    if not data:
        return
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadBody("The request body is not valid UTF-8.") from exc
    try:
        value = json.loads(text)
    except RecursionError as exc:
        raise BadBody(f"The JSON body is nested more than {MAX_JSON_DEPTH} levels deep.") from exc
    except ValueError as exc:
        raise BadBody("Invalid JSON body.") from exc
    check_json_value(value)


def check_json_value(value: Any) -> None:
    """Walk a decoded document without recursion: depth, surrogates and NUL characters."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            check_text(item)
        elif isinstance(item, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise BadBody(f"The JSON body is nested more than {MAX_JSON_DEPTH} levels deep.")
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)


def check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise BadBody("Text must not contain lone surrogates.", status=422) from exc
    if "\x00" in text:
        raise BadBody("Text must not contain NUL characters.", status=422)
