"""Conversation mode's server side: the VAD thresholds come from the environment (checked) and
reach the page through /config.json, and both services serve the vendored detector (model,
worklet, ONNX Runtime's loader module and WebAssembly) with types the browser accepts."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from quart.typing import TestClientProtocol as VoiceClient

from shared.core.config import Config, ConfigError
from shared.web.webui import ui_config

DEVELOPMENT = {"APP_ENV": "development"}
VENDORED = {
    "/assets/vendor/vad/bundle.min.js": "text/javascript",
    "/assets/vendor/vad/vad.worklet.bundle.min.js": "text/javascript",
    "/assets/vendor/vad/ort/ort.wasm.min.js": "text/javascript",
    "/assets/vendor/vad/ort/ort-wasm-simd-threaded.mjs": "text/javascript",
    "/assets/vendor/vad/ort/ort-wasm-simd-threaded.wasm": "application/wasm",
    "/assets/vendor/vad/silero_vad_v5.onnx": "application/octet-stream",
}


def test_vad_thresholds_have_defaults_and_follow_the_environment() -> None:
    assert ui_config(Config.from_env(DEVELOPMENT))["vad"] == {
        "positive_threshold": 0.5,
        "negative_threshold": 0.35,
        "min_speech_ms": 250,
        "pause_ms": 800,
    }
    environ = {
        **DEVELOPMENT,
        "VAD_POSITIVE_THRESHOLD": "0.6",
        "VAD_NEGATIVE_THRESHOLD": "0.4",
        "VAD_MIN_SPEECH_MS": "400",
        "VAD_PAUSE_MS": "1200",
    }
    assert ui_config(Config.from_env(environ))["vad"] == {
        "positive_threshold": 0.6,
        "negative_threshold": 0.4,
        "min_speech_ms": 400,
        "pause_ms": 1200,
    }


@pytest.mark.parametrize(
    "changes",
    [
        {"VAD_POSITIVE_THRESHOLD": "0.3", "VAD_NEGATIVE_THRESHOLD": "0.4"},  # negative above
        {"VAD_POSITIVE_THRESHOLD": "1.5"},
        {"VAD_NEGATIVE_THRESHOLD": "0"},
        {"VAD_MIN_SPEECH_MS": "20"},  # under one 32 ms frame: speech never confirmed
        {"VAD_PAUSE_MS": "50"},  # every breath would end the utterance
    ],
)
def test_impossible_vad_thresholds_are_refused(changes: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match="VAD_"):
        Config.from_env({**DEVELOPMENT, **changes})


async def test_both_services_serve_the_detector_with_browser_types(
    client: FlaskClient, voice_client: VoiceClient
) -> None:
    for path, mime_type in VENDORED.items():
        from_api = client.get(path)
        from_voice = await voice_client.get(path)
        assert from_api.status_code == from_voice.status_code == 200, path
        assert from_api.mimetype == from_voice.mimetype == mime_type, path
        assert from_api.get_data() == await from_voice.get_data(), path
        policy = from_api.headers["Content-Security-Policy"]
        assert "'wasm-unsafe-eval'" in policy and "'unsafe-eval'" not in policy
