"""The Quart settings derived from the Config."""

from __future__ import annotations

from typing import Any

from shared.core.config import Config

# Room for the multipart framing around the recording itself.
MULTIPART_OVERHEAD = 64 * 1024


def quart_settings(config: Config) -> dict[str, Any]:
    """Quart and quart-schema settings: body size cap and locally served Swagger UI assets."""
    return {
        # Quart refuses the body while reading it once it passes this, before it is all in.
        "MAX_CONTENT_LENGTH": config.max_audio_bytes + MULTIPART_OVERHEAD,
        "QUART_SCHEMA_SWAGGER_JS_URL": "/voice/docs/assets/swagger-ui-bundle.js",
        "QUART_SCHEMA_SWAGGER_CSS_URL": "/voice/docs/assets/swagger-ui.css",
    }
