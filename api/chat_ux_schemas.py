"""Schemas of the chat UX endpoints: guest chats kept on sign-up, search, export and import."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.schemas import ChatSchema, TokenSchema, UserSchema

CLAIMED = "Chats of the guest whose access token came as the bearer token, now the account's"


class RegisteredSchema(UserSchema):
    claimed_chats = fields.Int(required=True, metadata={"description": CLAIMED})


class SignedInSchema(TokenSchema):
    claimed_chats = fields.Int(required=True, metadata={"description": CLAIMED})


class SnippetSchema(Schema):
    text = fields.Str(required=True, metadata={"description": "Plain text (never HTML)"})
    highlights = fields.List(
        fields.List(fields.Int(), validate=validate.Length(equal=2)),
        required=True,
        metadata={
            "description": "[start, end) offsets of matched words in `text`, in Unicode "
            "code points (in JavaScript: index into Array.from(text))"
        },
    )


class ChatHitSchema(ChatSchema):
    snippet = fields.Nested(
        SnippetSchema,
        allow_none=True,
        metadata={
            "description": "Only when searching (`q`): the newest matching message, or null "
            "when the title matched"
        },
    )
