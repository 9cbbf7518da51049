"""How both services serve the static web UI: where it lives, its config and its headers."""

from __future__ import annotations

from typing import Any

from shared.config import ROOT, Config
from shared.providers.registry import speech_engines

WEB_DIR = ROOT / "web"
SWAGGER_ASSETS = WEB_DIR / "vendor" / "swagger-ui"


def ui_config(config: Config) -> dict[str, Any]:
    """What the page needs: both services' base URLs ("" = same origin), the engine behind
    each stage and the input limits. The same document whichever service serves it."""
    return {
        "api_url": config.public_api_url.rstrip("/"),
        "voice_url": config.public_voice_url.rstrip("/"),
        "providers": speech_engines(config),
        "limits": {
            "message_chars": config.max_message_chars,
            "prompt_chars": config.max_prompt_chars,
            "name_chars": config.max_name_chars,
            "audio_bytes": config.max_audio_bytes,
        },
    }


def ui_headers(config: Config) -> dict[str, str]:
    """Security headers for the UI: a CSP with no inline script, no sniffing, no referrer leak."""
    connect = " ".join(
        ["'self'", *[u for u in (config.public_api_url, config.public_voice_url) if u]]
    )
    csp = (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        "img-src 'self' data: blob:; media-src 'self' blob: data:; "
        f"connect-src {connect}; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
        "form-action 'self'"
    )
    return {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
    }
