"""Typed request and response models: they document the voice API in OpenAPI."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from quart_schema.pydantic import File


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


class MessageOut(BaseModel):
    id: int
    chat_id: int
    message_by: Literal["USER", "AI"]
    content: str
    created_at: datetime


class VoiceTurnOut(BaseModel):
    """The JSON form of a voice turn (`Accept: application/json` or `?format=json`)."""

    user_message: MessageOut
    ai_message: MessageOut
    audio_mime_type: str = Field(examples=["audio/mpeg"])
    audio_base64: str


class VoiceTurnHeaders(BaseModel):
    """Sent with the audio body (the default response)."""

    x_user_message_id: int = Field(alias="X-User-Message-Id")
    x_ai_message_id: int = Field(alias="X-AI-Message-Id")
    x_transcript: str = Field(alias="X-Transcript", description="Percent-encoded UTF-8")
    x_reply_text: str = Field(alias="X-Reply-Text", description="Percent-encoded UTF-8")


class StrictIn(BaseModel):
    """A request body: unknown fields are refused (422), as the API's marshmallow schemas do."""

    model_config = ConfigDict(extra="forbid")


class StreamIn(StrictIn):
    content: str = Field(description="The message text (at most 4,000 characters).")


class StreamEvents(BaseModel):
    """`text/event-stream`: `event: delta` {content} per piece, then `event: done`
    {user_message, ai_message}, or `event: error` with the error envelope."""

    user_message: MessageOut
    ai_message: MessageOut


class HealthOut(BaseModel):
    status: str = Field(examples=["ok"])
    database: str = Field(examples=["ok"])
    providers: dict[str, str] = Field(
        description="Active provider per stage (llm, stt, tts) and the engine behind speech "
        "(stt_engine, tts_engine; 'none' when the offline engine is not installed)."
    )
    offline_engines: dict[str, str | None] = Field(
        description="Installed offline engines per stage (null: none installed)."
    )
