"""Request and response schemas (marshmallow), the API's documented contract.

Lengths come from the configured limits at request time (see `limits.py`); unknown fields are
rejected because marshmallow raises on them by default.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from api.openapi import StrictBool, Text
from shared.config import Config
from shared.models import MessageBy
from shared.validation import (
    MAX_ID,
    NOT_BLANK_NO_NUL,
    USERNAME_PATTERN,
    has_text,
    is_username,
)

DEFAULTS = Config()


def limit(name: str) -> int:
    return int(getattr(DEFAULTS, name))


def bounded_text(max_setting: str, what: str, required: bool = True) -> Text:
    """Non-blank text; its maximum is the configured limit (the default is documented)."""
    return Text(
        required=required,
        validate=[validate.Length(min=1), _not_blank],
        metadata={
            "maxLength": limit(max_setting),
            "pattern": NOT_BLANK_NO_NUL,
            "description": f"{what} (at most {limit(max_setting):,} characters by default; "
            f"configurable with {max_setting.upper()})",
        },
    )


def _not_blank(value: str) -> bool:
    if not has_text(value):
        raise validate.ValidationError("Must not be blank.")
    return True


class UserSchema(Schema):
    id = fields.Int(dump_only=True)
    username = fields.Str(dump_only=True)
    is_admin = fields.Bool(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)


class MeSchema(UserSchema):
    is_guest = fields.Bool(dump_only=True)
    guest_id = fields.Str(dump_only=True, allow_none=True)


def _username(value: str) -> bool:
    if not is_username(value):
        raise validate.ValidationError("Use letters, digits, '.', '_' or '-' only.")
    return True


class CredentialsSchema(Schema):
    username = Text(
        required=True,
        validate=[validate.Length(min=3, max=64), _username],
        metadata={"pattern": USERNAME_PATTERN},
    )
    password = Text(required=True, load_only=True, validate=validate.Length(min=8, max=128))


class LoginSchema(Schema):
    username = Text(
        required=True,
        validate=[validate.Length(max=64), _username],
        metadata={"pattern": USERNAME_PATTERN},
    )
    password = Text(required=True, load_only=True, validate=validate.Length(max=128))


class TokenSchema(Schema):
    access_token = fields.Str(required=True)
    refresh_token = fields.Str()
    token_type = fields.Str(required=True)
    expires_in = fields.Int(required=True, metadata={"description": "Access token lifetime (s)"})
    guest_id = fields.Str(metadata={"description": "Only for guest tokens"})


class AgentSchema(Schema):
    id = fields.Int(dump_only=True)
    name = bounded_text("max_name_chars", "The agent's name")
    prompt = bounded_text("max_prompt_chars", "The system prompt")
    is_public = StrictBool(load_default=False)
    model = Text(allow_none=True, load_default=None, validate=validate.Length(max=100))
    voice = Text(allow_none=True, load_default=None, validate=validate.Length(max=50))
    owner_id = fields.Int(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)


class AgentPatchSchema(Schema):
    name = bounded_text("max_name_chars", "The agent's name", required=False)
    prompt = bounded_text("max_prompt_chars", "The system prompt", required=False)
    is_public = StrictBool()
    model = Text(allow_none=True, validate=validate.Length(max=100))
    voice = Text(allow_none=True, validate=validate.Length(max=50))


TITLE: dict[str, Any] = {
    "validate": [validate.Length(min=1, max=200), _not_blank],
    "metadata": {"pattern": NOT_BLANK_NO_NUL},
}


class ChatCreateSchema(Schema):
    title = Text(**TITLE)


class ChatPatchSchema(Schema):
    title = Text(required=True, **TITLE)


class ChatSchema(Schema):
    id = fields.Int(dump_only=True)
    agent_id = fields.Int(dump_only=True)
    agent_name = fields.Function(lambda chat: chat.agent.name, dump_only=True)
    title = fields.Str(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)


class ChatQuerySchema(Schema):
    agent_id = fields.Int(validate=validate.Range(min=1, max=MAX_ID))


class MessageSchema(Schema):
    id = fields.Int(dump_only=True)
    chat_id = fields.Int(dump_only=True)
    message_by = fields.Enum(MessageBy, dump_only=True)
    content = fields.Str(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)


class MessageCreateSchema(Schema):
    content = bounded_text("max_message_chars", "The message")


class MessageQuerySchema(Schema):
    tail = fields.Bool(
        load_default=False,
        truthy={"true", "1"},
        falsy={"false", "0"},
        metadata={
            "description": "Count pages from the newest end: page 1 is the latest messages "
            "(still returned oldest first); page 2 is the ones before them."
        },
    )


class TurnSchema(Schema):
    user_message = fields.Nested(MessageSchema, required=True)
    ai_message = fields.Nested(MessageSchema, required=True)


class HealthSchema(Schema):
    status = fields.Str(required=True)
    database = fields.Str(required=True)
    providers = fields.Dict(keys=fields.Str(), values=fields.Str())
