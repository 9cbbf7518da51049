"""The fields of an agent card (shared by the create, replace and patch schemas)."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from api.openapi import Text, not_blank
from shared.core.validation import MAX_STARTER_CHARS, MAX_STARTERS, NOT_BLANK

MAX_DESCRIPTION = 500
MAX_EMOJI_CHARS = 8
COLOR = r"^#[0-9a-fA-F]{6}$"


def description(**options: Any) -> Text:
    return Text(
        validate=validate.Length(max=MAX_DESCRIPTION),
        metadata={"description": "Public text shown to everyone who sees the agent"},
        **options,
    )


def starters(**options: Any) -> fields.List:
    starter = Text(
        validate=[validate.Length(min=1, max=MAX_STARTER_CHARS), not_blank],
        metadata={"pattern": NOT_BLANK},
    )
    return fields.List(
        starter,
        validate=validate.Length(max=MAX_STARTERS),
        metadata={"description": "Conversation starters offered on an empty chat"},
        **options,
    )


def avatar_emoji(**options: Any) -> Text:
    return Text(
        allow_none=True,
        validate=[validate.Length(min=1, max=MAX_EMOJI_CHARS), not_blank],
        metadata={
            "description": "An emoji shown as the avatar (else the name's initials)",
            "pattern": NOT_BLANK,
        },
        **options,
    )


def avatar_color(**options: Any) -> Text:
    return Text(
        allow_none=True,
        validate=validate.Regexp(COLOR, error="Use a colour like #1a2b3c."),
        metadata={"description": "The avatar's colour, #rrggbb", "pattern": COLOR},
        **options,
    )
