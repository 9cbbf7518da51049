"""Schemas of the chat UX endpoints: guest chats kept on sign-up, search, export and import."""

from __future__ import annotations

from marshmallow import fields

from api.schemas import TokenSchema, UserSchema

CLAIMED = "Chats of the guest whose access token came as the bearer token, now the account's"


class RegisteredSchema(UserSchema):
    claimed_chats = fields.Int(required=True, metadata={"description": CLAIMED})


class SignedInSchema(TokenSchema):
    claimed_chats = fields.Int(required=True, metadata={"description": CLAIMED})
