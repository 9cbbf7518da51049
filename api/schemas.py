"""Request and response schemas (marshmallow), the API's documented contract.

Lengths come from the configured limits at request time (see `limits.py`); unknown fields are
rejected because marshmallow raises on them by default.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.models import MessageBy


class UserSchema(Schema):
    id = fields.Int(dump_only=True)
    username = fields.Str(dump_only=True)
    is_admin = fields.Bool(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)


class MeSchema(UserSchema):
    is_guest = fields.Bool(dump_only=True)
    guest_id = fields.Str(dump_only=True, allow_none=True)


class CredentialsSchema(Schema):
    username = fields.Str(
        required=True,
        validate=[
            validate.Length(min=3, max=64),
            validate.Regexp(
                r"^[A-Za-z0-9_.-]+$",
                error="Use letters, digits, '.', '_' or '-' only.",
            ),
        ],
    )
    password = fields.Str(required=True, load_only=True, validate=validate.Length(min=8, max=128))


class LoginSchema(Schema):
    username = fields.Str(required=True, validate=validate.Length(max=64))
    password = fields.Str(required=True, load_only=True, validate=validate.Length(max=128))


class TokenSchema(Schema):
    access_token = fields.Str(required=True)
    refresh_token = fields.Str()
    token_type = fields.Str(required=True)
    expires_in = fields.Int(required=True, metadata={"description": "Access token lifetime (s)"})
    guest_id = fields.Str(metadata={"description": "Only for guest tokens"})


class AgentSchema(Schema):
    id = fields.Int(dump_only=True)
    name = fields.Str(required=True)
    prompt = fields.Str(required=True)
    is_public = fields.Bool(load_default=False)
    model = fields.Str(allow_none=True, load_default=None, validate=validate.Length(max=100))
    voice = fields.Str(allow_none=True, load_default=None, validate=validate.Length(max=50))
    owner_id = fields.Int(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)


class AgentPatchSchema(Schema):
    name = fields.Str()
    prompt = fields.Str()
    is_public = fields.Bool()
    model = fields.Str(allow_none=True, validate=validate.Length(max=100))
    voice = fields.Str(allow_none=True, validate=validate.Length(max=50))


class ChatCreateSchema(Schema):
    title = fields.Str(validate=validate.Length(min=1, max=200))


class ChatPatchSchema(Schema):
    title = fields.Str(required=True, validate=validate.Length(min=1, max=200))


class ChatSchema(Schema):
    id = fields.Int(dump_only=True)
    agent_id = fields.Int(dump_only=True)
    agent_name = fields.Function(lambda chat: chat.agent.name, dump_only=True)
    title = fields.Str(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)


class ChatQuerySchema(Schema):
    agent_id = fields.Int(validate=validate.Range(min=1))


class MessageSchema(Schema):
    id = fields.Int(dump_only=True)
    chat_id = fields.Int(dump_only=True)
    message_by = fields.Enum(MessageBy, dump_only=True)
    content = fields.Str(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)


class MessageCreateSchema(Schema):
    content = fields.Str(required=True)


class MessageQuerySchema(Schema):
    tail = fields.Bool(
        load_default=False,
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
