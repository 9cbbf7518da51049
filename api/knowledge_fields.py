"""The knowledge fields of the message resource (the voice service's `SourceOut` twins them)."""

from __future__ import annotations

from marshmallow import Schema, fields


class SourceSchema(Schema):
    """A passage of the agent's files the reply was given (a citation)."""

    file_id = fields.Int(dump_only=True)
    file_name = fields.Str(dump_only=True)
    chunk = fields.Int(dump_only=True, metadata={"description": "The passage's place in the file"})
    snippet = fields.Str(dump_only=True, metadata={"description": "Empty for who may not see it"})
    score = fields.Float(dump_only=True)


def sources() -> fields.List:
    """AI replies from the agent's files: the passages cited."""
    return fields.List(
        fields.Nested(SourceSchema),
        allow_none=True,
        dump_only=True,
        metadata={"description": "AI replies from the agent's files: the passages cited"},
    )
