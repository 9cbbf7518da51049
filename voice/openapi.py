"""quart-schema's OpenAPI, corrected for what this service really sends.

quart-schema documents every body as JSON and nests response headers inside `content`; the voice
turn answers with audio (JSON on request) and headers, and the stream with server-sent events.
"""

from __future__ import annotations

from typing import Any

from quart_schema import DataSource, OpenAPIProvider
from quart_schema.typing import Model

from voice.schemas import SpeechHeaders, StreamEvents, VoiceTurnHeaders

AUDIO_BODY = {"schema": {"type": "string", "format": "binary"}}
# Before OpenAPI 3.2 the `schema` of an event stream describes each event.
SSE_EVENT = {
    "type": "object",
    "description": "One server-sent event: its name (e.g. `delta`, `done`, `error`) and its "
    "JSON payload as text in `data`.",
    "properties": {"event": {"type": "string"}, "data": {"type": "string"}},
    "required": ["event", "data"],
}


class VoiceOpenAPI(OpenAPIProvider):
    def build_request_body(
        self, model: type[Model], source: DataSource
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        body, components = super().build_request_body(model, source)
        body["required"] = True  # every body this service documents must be sent
        return body, components

    def build_response_object(
        self, model: type[Model], headers_model: type[Model] | None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        response, components = super().build_response_object(model, headers_model)
        content = response["content"]
        if "headers" in content:
            response["headers"] = content.pop("headers")
        if headers_model is VoiceTurnHeaders:
            # Audio is the default; JSON (with the audio in base64) or events when asked for.
            response["content"] = {
                "audio/mpeg": AUDIO_BODY,
                "audio/wav": AUDIO_BODY,
                **content,
                "text/event-stream": {"schema": {"type": "string"}},
            }
        if headers_model is SpeechHeaders:
            response["content"] = {"audio/mpeg": AUDIO_BODY, "audio/wav": AUDIO_BODY}
        if model is StreamEvents:
            response["content"] = {"text/event-stream": {"schema": SSE_EVENT}}
        return response, components
