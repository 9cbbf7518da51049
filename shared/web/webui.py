"""How both services serve the static web UI: where it lives, its config and its headers."""

from __future__ import annotations

import mimetypes
from typing import Any

from shared.core import validation as rules
from shared.core.config import ROOT, Config
from shared.providers.registry import speech_engines

WEB_DIR = ROOT / "web"
SWAGGER_ASSETS = WEB_DIR / "vendor" / "swagger-ui"
# The public agent migration 0002 gives the anonymous user: the one a new visitor starts with.
# (A migration is frozen history, so it keeps its own copy; a test holds the two equal.)
STARTER_AGENT_NAME = "Helpful Assistant"
# Conversation mode's ONNX Runtime loads a .mjs module and compiles a .wasm binary: both need
# their real types (module scripts are refused otherwise, and WebAssembly streaming compilation
# wants application/wasm); registered here so a host without /etc/mime.types serves them right.
mimetypes.add_type("text/javascript", ".mjs")
mimetypes.add_type("application/wasm", ".wasm")
# How the API checks sign-up and login (api/schemas.py), for the sign-up form's hint and inputs.
ACCOUNT_RULES = {
    "username_min_chars": rules.USERNAME_MIN_CHARS,
    "username_max_chars": rules.USERNAME_MAX_CHARS,
    "username_pattern": rules.USERNAME_PATTERN,
    "username_characters": rules.USERNAME_CHARACTERS,
    "password_min_chars": rules.PASSWORD_MIN_CHARS,
    "password_max_chars": rules.PASSWORD_MAX_CHARS,
}


def ui_config(config: Config) -> dict[str, Any]:
    """What the page needs: both services' base URLs ("" = same origin), the engine behind
    each stage, the input limits, the account rules and the starter agent. The same document
    whichever service serves it, built from the constants the server validates with."""
    return {
        "api_url": config.public_api_url.rstrip("/"),
        "voice_url": config.public_voice_url.rstrip("/"),
        "providers": speech_engines(config),
        "limits": {
            "message_chars": config.max_message_chars,
            "prompt_chars": config.max_prompt_chars,
            "name_chars": config.max_name_chars,
            "audio_bytes": config.max_audio_bytes,
            "starters": rules.MAX_STARTERS,
            "starter_chars": rules.MAX_STARTER_CHARS,
        },
        "accounts": dict(ACCOUNT_RULES),
        "vad": {
            "positive_threshold": config.vad_positive_threshold,
            "negative_threshold": config.vad_negative_threshold,
            "min_speech_ms": config.vad_min_speech_ms,
            "pause_ms": config.vad_pause_ms,
        },
        "starter_agent": {"name": STARTER_AGENT_NAME},
    }


def ui_headers(config: Config) -> dict[str, str]:
    """Security headers for the UI: a CSP with no inline script, no sniffing, no referrer leak.

    'wasm-unsafe-eval' lets the page compile WebAssembly (ONNX Runtime running conversation
    mode's voice-activity model); it does not allow eval() or inline script. Nothing else is
    needed: the runtime is single-threaded here (no blob: workers), its loader and the audio
    worklet are same-origin files, and the model and binary are fetched from 'self'."""
    connect = " ".join(
        ["'self'", *[u for u in (config.public_api_url, config.public_voice_url) if u]]
    )
    csp = (
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
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
