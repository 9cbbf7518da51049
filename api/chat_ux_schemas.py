"""Schemas of the chat UX endpoints: guest chats kept on sign-up, search, export and import."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from marshmallow import Schema, fields, validate

from api.openapi import Text
from api.schemas import TITLE, ChatSchema, TokenSchema, UserSchema
from shared.chats.export import EXPORT_FORMAT, EXPORT_VERSION
from shared.core.models import MessageBy
from shared.core.validation import MAX_ID

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


# Export and import: one document format (see shared/chats/export.py); the file's size is
# capped by MAX_IMPORT_BYTES.
class UTCMoment(fields.AwareDateTime):
    """An aware time, stored in UTC (clamped where UTC leaves the representable years 1-9999)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            edge = datetime.min if moment.year == 1 else datetime.max
            return edge.replace(tzinfo=UTC)


def moment(**options: Any) -> UTCMoment:
    return UTCMoment(**options)


class ExportedAgentSchema(Schema):
    id = fields.Int(
        allow_none=True,
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={"description": "Used on import when the caller can see that agent"},
    )
    name = Text(
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "Else an agent the caller can see with this name is used"},
    )


class ExportedMessageSchema(Schema):
    message_by = fields.Enum(MessageBy, required=True)
    content = Text(required=True)
    created_at = moment(required=True)
    # The reply's citations (kept in the file; an import does not bring them back).
    sources = fields.List(fields.Dict(), allow_none=True, load_default=None)


class ExportedChatSchema(Schema):
    title = Text(required=True, **TITLE)
    agent = fields.Nested(ExportedAgentSchema, required=True)
    created_at = moment(required=True)
    updated_at = moment(required=True)
    imported_at = moment(
        allow_none=True,
        load_default=None,
        metadata={"description": "When this chat had itself been imported; null or absent: not"},
    )
    messages = fields.List(
        fields.Nested(ExportedMessageSchema),
        required=True,
        metadata={"description": "Oldest first"},
    )


class ExportDocumentSchema(Schema):
    format = fields.Str(required=True, validate=validate.OneOf([EXPORT_FORMAT]))
    version = fields.Int(required=True, validate=validate.OneOf([EXPORT_VERSION]))
    exported_at = moment()
    chats = fields.List(fields.Nested(ExportedChatSchema), required=True)


class ExportQuerySchema(Schema):
    format = fields.Str(load_default="markdown", validate=validate.OneOf(["markdown", "json"]))


class ImportResultSchema(Schema):
    imported_chats = fields.Int(required=True)
    chats = fields.List(fields.Nested(ChatSchema), required=True)
