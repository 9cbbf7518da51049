"""Schemas of the usage and administration endpoints (kept apart from the core resources)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.openapi import StrictBool, Text
from api.schemas import UserSchema


class BudgetSchema(Schema):
    name = fields.Str(
        required=True,
        metadata={
            "description": "user, guest (this guest) or guest_ip (all guests of an IP); "
            "speech allowances add _speech_characters or _speech_seconds"
        },
    )
    unit = fields.Str(
        required=True,
        validate=validate.OneOf(["tokens", "characters", "seconds"]),
        metadata={"description": "What the budget counts"},
    )
    limit = fields.Int(
        required=True, allow_none=True, metadata={"description": "Units a day; null: unlimited"}
    )
    used = fields.Int(required=True, metadata={"description": "Units in the last 24 hours"})
    remaining = fields.Int(required=True, allow_none=True)
    resets_at = fields.AwareDateTime(
        required=True,
        allow_none=True,
        metadata={"description": "When the oldest counted tokens leave the rolling day"},
    )


class BudgetsSchema(Schema):
    window_hours = fields.Int(required=True)
    budgets = fields.List(fields.Nested(BudgetSchema), required=True)


class AdminUserSchema(UserSchema):
    disabled = fields.Bool(dump_only=True)
    tokens_today = fields.Int(dump_only=True, metadata={"description": "Last 24 hours"})
    tokens_total = fields.Int(dump_only=True)


class AdminUserQuerySchema(Schema):
    q = Text(validate=validate.Length(max=64), metadata={"description": "Part of the username"})


class AdminUserPatchSchema(Schema):
    is_admin = StrictBool()
    disabled = StrictBool(
        metadata={"description": "A disabled user's tokens are refused by both services at once"}
    )


class UsageQuerySchema(Schema):
    group_by = fields.Str(load_default="day", validate=validate.OneOf(["day", "model", "user"]))
    days = fields.Int(load_default=30, validate=validate.Range(min=1, max=366))


class UsageTotalSchema(Schema):
    key = fields.Str(required=True, metadata={"description": "The day, model or username"})
    prompt_tokens = fields.Int(required=True)
    completion_tokens = fields.Int(required=True)
    tokens = fields.Int(required=True)
    llm_calls = fields.Int(required=True)
    speech_seconds = fields.Float(required=True)
    speech_characters = fields.Int(required=True)
    embedding_tokens = fields.Int(
        required=True, metadata={"description": "Tokens embedded (knowledge files, questions)"}
    )
    embedding_calls = fields.Int(required=True)
