"""The tool fields of an agent and a message, and the shapes GET /api/tools and
GET /api/admin/tool-servers answer with (see docs/tools.md)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from api.openapi import Text
from shared.core.config import REASONING_EFFORTS
from shared.core.validation import MAX_AGENT_TOOLS


def tools(**options: Any) -> fields.List:
    return fields.List(
        Text(validate=validate.Length(min=1, max=64)),
        validate=validate.Length(max=MAX_AGENT_TOOLS),
        metadata={"description": "Names from GET /api/tools offered to the model (unknown: 422)"},
        **options,
    )


def reasoning_effort(**options: Any) -> Text:
    return Text(
        allow_none=True,
        validate=validate.OneOf(REASONING_EFFORTS),
        metadata={
            "description": "Reasoning effort for reasoning models; null: OPENAI_REASONING_EFFORT "
            '(voice turns: "low"). GPT-6 models offered tools get "none" (see docs/tools.md)'
        },
        **options,
    )


class ToolCallSchema(Schema):
    id = fields.Str(dump_only=True)
    name = fields.Str(dump_only=True)
    arguments = fields.Raw(dump_only=True, metadata={"description": "As the model wrote them"})
    status = fields.Str(dump_only=True, metadata={"description": "ok, error or timeout"})
    result = fields.Str(dump_only=True, metadata={"description": "Capped at MAX_TOOL_RESULT_CHARS"})
    duration_ms = fields.Int(dump_only=True)


def tool_calls() -> fields.List:
    return fields.List(
        fields.Nested(ToolCallSchema),
        allow_none=True,
        dump_only=True,
        metadata={"description": "AI replies that called tools: each call, in order"},
    )


class ToolSchema(Schema):
    name = fields.Str(dump_only=True, metadata={"description": "<server>__<tool>"})
    server = fields.Str(dump_only=True)
    description = fields.Str(dump_only=True)
    input_schema = fields.Dict(dump_only=True, metadata={"description": "JSON Schema"})


class ToolServerSchema(Schema):
    name = fields.Str(dump_only=True)
    transport = fields.Str(dump_only=True, metadata={"description": "stdio or streamable-http"})
    connected = fields.Bool(dump_only=True)
    tool_count = fields.Int(dump_only=True)
    last_error = fields.Str(allow_none=True, dump_only=True)
    restarts = fields.Int(dump_only=True)
