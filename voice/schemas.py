"""Typed request and response models: they document the voice API in OpenAPI."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer, field_validator
from quart_schema.pydantic import File

from shared.core.text_limits import default_limit, documented_limit, too_long
from shared.core.validation import NOT_BLANK_NO_NUL, has_text
from voice.deps import app_config


class ErrorOut(BaseModel):
    """The one error envelope of both services."""

    code: int = Field(examples=[404])
    status: str = Field(examples=["Not Found"])
    message: str = Field(examples=["Chat not found."])
    errors: dict[str, Any] | None = Field(
        default=None,
        description="Field errors, or for provider failures: stage, retryable, "
        "user_message_id / ai_message_id (what was kept) and retry (how to ask again).",
    )


class VoiceUpload(BaseModel):
    audio: File = Field(
        description="The recording: webm/opus, mp4/m4a (aac), ogg, wav, mp3 or flac, at most "
        "25 MiB. The container is detected from the bytes, not the file name."
    )


class UsageOut(BaseModel):
    prompt_tokens: int | None
    completion_tokens: int | None
    first_token_ms: int | None
    total_ms: int | None


class MessageErrorOut(BaseModel):
    stage: str = Field(description="llm, stt or tts")
    reason: str = Field(
        description="provider_timeout, provider_unavailable, provider_error or interrupted"
    )
    retryable: bool


class ToolCallOut(BaseModel):
    """One tool call of a reply (see docs/tools.md)."""

    id: str
    name: str
    arguments: Any = Field(description="As the model wrote them")
    status: Literal["ok", "error", "timeout"]
    result: str = Field(description="Capped at MAX_TOOL_RESULT_CHARS")
    duration_ms: int


class SourceOut(BaseModel):
    """A passage of the agent's files the reply was given (a citation)."""

    file_id: int
    file_name: str
    chunk: int = Field(description="The passage's place in the file")
    snippet: str = Field(description="Empty for who may not see it")
    score: float


class MessageOut(BaseModel):
    """The one message wire format of both services (the API's `Message` schema)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    chat_id: int
    message_by: Literal["USER", "AI"]
    content: str
    created_at: datetime
    parent_id: int | None = Field(description="The message this one follows")
    status: Literal["pending", "complete", "failed", "stopped"]
    version: int = Field(description="1-based among the versions of this message")
    version_count: int
    model: str | None = Field(description="AI replies: the model that wrote it")
    usage: UsageOut | None
    error: MessageErrorOut | None
    tool_calls: list[ToolCallOut] | None = Field(
        default=None, description="AI replies that called tools: each call, in order"
    )
    sources: list[SourceOut] | None = Field(
        default=None, description="AI replies from the agent's files: the passages cited"
    )

    @field_serializer("created_at")
    def iso_created_at(self, value: datetime) -> str:
        return value.isoformat()  # like the API: "+00:00", not "Z"


class VoiceTurnOut(BaseModel):
    """The JSON form of a voice turn (`Accept: application/json` or `?format=json`)."""

    user_message: MessageOut
    ai_message: MessageOut
    audio_mime_type: str | None = Field(
        examples=["audio/mpeg"], description="null when the reply has no words to speak"
    )
    audio_base64: str | None = Field(description="null when the reply has no words to speak")


class VoiceTurnHeaders(BaseModel):
    """Sent with the audio body (the default response)."""

    x_user_message_id: int = Field(alias="X-User-Message-Id")
    x_ai_message_id: int = Field(alias="X-AI-Message-Id")
    x_transcript: str = Field(alias="X-Transcript", description="Percent-encoded UTF-8")
    x_reply_text: str = Field(alias="X-Reply-Text", description="Percent-encoded UTF-8")
    x_speech: str | None = Field(
        None,
        alias="X-Speech",
        description="`none` when the reply has no words to speak (all code): the body is empty",
    )


class StrictIn(BaseModel):
    """A request body: unknown fields are refused (422), as the API's marshmallow schemas do."""

    model_config = ConfigDict(extra="forbid")


class StreamIn(StrictIn):
    content: str = Field(
        min_length=1,
        description=documented_limit("The message", "max_message_chars"),
        json_schema_extra={
            "maxLength": default_limit("max_message_chars"),
            "pattern": NOT_BLANK_NO_NUL,
        },
    )

    @field_validator("content")
    @classmethod
    def within_configured_limit(cls, value: str) -> str:
        """Non-blank, and at most the live Config's MAX_MESSAGE_CHARS (as the API's schema)."""
        if not has_text(value):
            raise ValueError("Must not be blank.")
        problem = too_long("The message", value, app_config().max_message_chars)
        if problem:
            raise ValueError(problem)
        return value


class StreamEvents(BaseModel):
    """`text/event-stream`: `event: delta` {content} per piece, then `event: done`
    {user_message, ai_message}, or `event: error` with the error envelope."""

    user_message: MessageOut
    ai_message: MessageOut


class ModelWarningOut(BaseModel):
    """A configured or agent model the upstream does not list, or lists with a shutdown date."""

    model: str = Field(examples=["gpt-4o-mini"])
    kind: Literal["missing", "retiring"]
    shutdown_date: str | None = Field(examples=["2027-01-14"], description="YYYY-MM-DD")
    days_left: int | None = Field(examples=[44])
    message: str


class HealthOut(BaseModel):
    status: str = Field(examples=["ok"])
    database: str = Field(examples=["ok"])
    providers: dict[str, str] = Field(
        description="Active provider per stage (llm: openai|local|offline, stt, tts), the "
        "engine that writes replies (llm_engine: openai|local-server|bundled|offline|none, and "
        "llm_model) and the engine behind speech (stt_engine, tts_engine; 'none' when the "
        "offline engine is not installed); openai_server: the host an openai stage talks to."
    )
    offline_engines: dict[str, str | None] = Field(
        description="Installed offline engines per stage (null: none installed)."
    )
    warnings: list[ModelWarningOut] = Field(
        default_factory=list,
        description="Configured or agent models that are missing upstream or retiring.",
    )


class SpeechOut(BaseModel):
    """Documented as `audio/mpeg` or `audio/wav` (the body is the audio itself)."""


class SpeechHeaders(BaseModel):
    """Sent with a spoken message."""

    x_speech_cache: str = Field(
        alias="X-Speech-Cache", description="`hit` when the clip came from the cache, else `miss`"
    )
