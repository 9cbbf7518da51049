"""Input rules shared by both services: the configured text limits, the account rules and
the agent card's starters. The API validates with these constants and /config.json
publishes them, so the UI keeps no copies of its own."""

from __future__ import annotations

import re

# Database ids are positive 32-bit integers; larger path ids simply match no route (404).
MAX_ID = 2**31 - 1


# Whitespace as JSON Schema regexes (ECMA-262 `\\s`) define it, spelled out so that the pattern
# documented in the OpenAPI specs and the check done here agree on every character.
WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
NOT_BLANK = "[^" + WHITESPACE + "]"


# No text may hold a NUL character (shared/web/jsonbody.py refuses it); the OpenAPI documents say
# so with these patterns (JSON Schema patterns are unanchored, hence ^...$).
NO_NUL = "^[^\x00]*$"
NOT_BLANK_NO_NUL = "^[^\x00]*[^" + WHITESPACE + "\x00][^\x00]*$"


def has_text(value: str) -> bool:
    """At least one character that is not whitespace."""
    return re.search(NOT_BLANK, value) is not None


def trimmed(value: str) -> str:
    return value.strip(WHITESPACE)


class InvalidInput(Exception):
    """A field breaks a rule; answered with 422 and the field named."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


# Documented in OpenAPI as is; checked with fullmatch, because in Python `$` also matches
# before a final newline ("alice\n" would pass `re.match`).
USERNAME_PATTERN = r"^[A-Za-z0-9_.-]+$"
# The characters USERNAME_PATTERN allows, as a sentence (the API's refusal and the UI's hint).
USERNAME_CHARACTERS = "letters, digits, '.', '_' or '-'"
USERNAME_MIN_CHARS = 3
USERNAME_MAX_CHARS = 64
PASSWORD_MIN_CHARS = 8
PASSWORD_MAX_CHARS = 128

# An agent card's conversation starters (api/card_fields.py): how many, how long each.
MAX_STARTERS = 4
# Tools one agent may offer the model.
MAX_AGENT_TOOLS = 32
MAX_STARTER_CHARS = 200


def is_username(value: str) -> bool:
    return re.fullmatch(USERNAME_PATTERN.strip("^$"), value) is not None
