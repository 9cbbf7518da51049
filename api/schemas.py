"""Request and response schemas (marshmallow), the API's documented contract.

Lengths come from the configured limits at request time (see `limits.py`); unknown fields are
rejected because marshmallow raises on them by default.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from api import card_fields, knowledge_fields, tool_fields
from api.deps import app_config
from api.openapi import StrictBool, Text, not_blank
from shared.core.models import MessageBy, MessageStatus
from shared.core.text_limits import default_limit, documented_limit, too_long
from shared.core.validation import (
    MAX_ID,
    NOT_BLANK_NO_NUL,
    PASSWORD_MAX_CHARS,
    PASSWORD_MIN_CHARS,
    USERNAME_CHARACTERS,
    USERNAME_MAX_CHARS,
    USERNAME_MIN_CHARS,
    USERNAME_PATTERN,
    is_username,
)


class ConfiguredLength(validate.Validator):
    """At most the live Config's `setting` characters (read at request time)."""

    def __init__(self, setting: str, what: str) -> None:
        self.setting = setting
        self.what = what

    def __call__(self, value: str) -> str:
        problem = too_long(self.what, value, getattr(app_config(), self.setting))
        if problem:
            raise validate.ValidationError(problem)
        return value


def configured_text(max_setting: str, what: str, required: bool = True) -> Text:
    """Non-blank text within the configured limit (the default is documented)."""
    return Text(
        required=required,
        validate=[validate.Length(min=1), not_blank, ConfiguredLength(max_setting, what)],
        metadata={
            "maxLength": default_limit(max_setting),
            "pattern": NOT_BLANK_NO_NUL,
            "description": documented_limit(what, max_setting),
        },
    )


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
        raise validate.ValidationError(f"Use {USERNAME_CHARACTERS} only.")
    return True


class CredentialsSchema(Schema):
    username = Text(
        required=True,
        validate=[validate.Length(min=USERNAME_MIN_CHARS, max=USERNAME_MAX_CHARS), _username],
        metadata={"pattern": USERNAME_PATTERN},
    )
    password = Text(
        required=True,
        load_only=True,
        validate=validate.Length(min=PASSWORD_MIN_CHARS, max=PASSWORD_MAX_CHARS),
    )


class LoginSchema(Schema):
    username = Text(
        required=True,
        validate=[validate.Length(max=USERNAME_MAX_CHARS), _username],
        metadata={"pattern": USERNAME_PATTERN},
    )
    password = Text(required=True, load_only=True, validate=validate.Length(max=PASSWORD_MAX_CHARS))


class TokenSchema(Schema):
    access_token = fields.Str(required=True)
    refresh_token = fields.Str()
    token_type = fields.Str(required=True)
    expires_in = fields.Int(required=True, metadata={"description": "Access token lifetime (s)"})
    guest_id = fields.Str(metadata={"description": "Only for guest tokens"})


class AgentSchema(Schema):
    id = fields.Int(dump_only=True)
    name = configured_text("max_name_chars", "The agent's name")
    prompt = configured_text("max_prompt_chars", "The system prompt")
    is_public = StrictBool(load_default=False)
    model = Text(allow_none=True, load_default=None, validate=validate.Length(max=100))
    voice = Text(allow_none=True, load_default=None, validate=validate.Length(max=50))
    description = card_fields.description(load_default="")
    starters = card_fields.starters(load_default=list)
    avatar_emoji = card_fields.avatar_emoji(load_default=None)
    avatar_color = card_fields.avatar_color(load_default=None)
    tools = tool_fields.tools(load_default=list)
    reasoning_effort = tool_fields.reasoning_effort(load_default=None)
    owner_id = fields.Int(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)


class AgentPatchSchema(Schema):
    name = configured_text("max_name_chars", "The agent's name", required=False)
    prompt = configured_text("max_prompt_chars", "The system prompt", required=False)
    is_public = StrictBool()
    model = Text(allow_none=True, validate=validate.Length(max=100))
    voice = Text(allow_none=True, validate=validate.Length(max=50))
    description = card_fields.description()
    starters = card_fields.starters()
    avatar_emoji = card_fields.avatar_emoji()
    avatar_color = card_fields.avatar_color()
    tools = tool_fields.tools()
    reasoning_effort = tool_fields.reasoning_effort()


TITLE: dict[str, Any] = {
    "validate": [validate.Length(min=1, max=200), not_blank],
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
    imported_at = fields.AwareDateTime(
        dump_only=True,
        allow_none=True,
        metadata={"description": "When the chat was imported from a file; null: started here"},
    )


class ChatQuerySchema(Schema):
    agent_id = fields.Int(validate=validate.Range(min=1, max=MAX_ID))
    q = Text(
        validate=validate.Length(min=1, max=200),
        metadata={"description": "Search titles and message text (word prefixes, any case/accent)"},
    )


class UsageSchema(Schema):
    prompt_tokens = fields.Int(allow_none=True, dump_only=True)
    completion_tokens = fields.Int(allow_none=True, dump_only=True)
    first_token_ms = fields.Int(allow_none=True, dump_only=True)
    total_ms = fields.Int(allow_none=True, dump_only=True)


class MessageErrorSchema(Schema):
    stage = fields.Str(dump_only=True, metadata={"description": "llm, stt or tts"})
    reason = fields.Str(
        dump_only=True,
        metadata={"description": "provider_timeout, provider_unavailable, provider_error or "
                  "interrupted (the service stopped mid-reply)"},
    )  # fmt: skip
    retryable = fields.Bool(dump_only=True)


class MessageSchema(Schema):
    """The one message wire format of both services (the voice service's `MessageOut`)."""

    id = fields.Int(dump_only=True)
    chat_id = fields.Int(dump_only=True)
    message_by = fields.Enum(MessageBy, dump_only=True)
    content = fields.Str(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    parent_id = fields.Int(
        allow_none=True, dump_only=True, metadata={"description": "The message this follows"}
    )
    status = fields.Enum(
        MessageStatus,
        by_value=True,
        dump_only=True,
        metadata={"description": "pending while the reply is written; complete, failed, stopped"},
    )
    version = fields.Int(dump_only=True, metadata={"description": "1-based among its versions"})
    version_count = fields.Int(dump_only=True)
    model = fields.Str(allow_none=True, dump_only=True, metadata={"description": "AI replies"})
    usage = fields.Nested(UsageSchema, allow_none=True, dump_only=True)
    error = fields.Nested(MessageErrorSchema, allow_none=True, dump_only=True)
    tool_calls = tool_fields.tool_calls()
    sources = knowledge_fields.sources()


class SelectSchema(Schema):
    version = fields.Int(
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={"description": "Show this version of the message instead (1-based)"},
    )


class MessageCreateSchema(Schema):
    content = configured_text("max_message_chars", "The message")


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


class ModelWarningSchema(Schema):
    model = fields.Str(required=True)
    kind = fields.Str(required=True, validate=validate.OneOf(["missing", "retiring"]))
    shutdown_date = fields.Str(
        required=True,
        allow_none=True,
        metadata={"format": "date", "description": "YYYY-MM-DD, when announced"},
    )
    days_left = fields.Int(required=True, allow_none=True)
    message = fields.Str(required=True)


class HealthSchema(Schema):
    status = fields.Str(required=True)
    database = fields.Str(required=True)
    providers = fields.Dict(
        keys=fields.Str(),
        values=fields.Str(),
        metadata={
            "description": "llm (openai|local|offline), llm_engine (openai|local-server|"
            "bundled|offline|none: which engine writes replies), llm_model, stt, tts, "
            "stt_engine/tts_engine (the engine behind each speech stage, none: not installed) "
            "tts_api when speech is OpenAI's and openai_server (the host an openai stage talks "
            "to: api.openai.com or OPENAI_BASE_URL's): the same report as /config.json"
        },
    )
    warnings = fields.List(
        fields.Nested(ModelWarningSchema),
        metadata={"description": "Configured or agent models that are missing or retiring"},
    )


class ListedModelSchema(Schema):
    id = fields.Str(required=True)
    shutdown_date = fields.Str(required=True, allow_none=True, metadata={"format": "date"})


class CallerWarningSchema(ModelWarningSchema):
    urgent = fields.Bool(required=True, metadata={"description": "Missing, or within 30 days"})
    agent_ids = fields.List(fields.Int(), required=True)
    default = fields.Bool(required=True, metadata={"description": "A configured default model"})


class ModelsSchema(Schema):
    models = fields.List(fields.Nested(ListedModelSchema), required=True)
    voices = fields.List(fields.Str(), required=True)
    default_model = fields.Str(required=True)
    default_voice = fields.Str(required=True)
    speech_api = fields.Str(
        required=True, validate=validate.OneOf(["speech", "realtime", "offline"])
    )
    warnings = fields.List(fields.Nested(CallerWarningSchema), required=True)
