"""Which models and voices an agent may use: the active speech provider's voices, and the
allow-lists that keep non-admins from picking costlier models (cost amplification).

`ALLOWED_MODELS` / `ALLOWED_VOICES` replace the defaults when set; by default a non-admin may
choose the configured default or any model the upstream's `GET /v1/models` lists, and the
configured default voice or any voice of the active speech provider. Admins may use any.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from shared.catalog.lifecycle import ListedModel
from shared.core.config import Config
from shared.core.validation import InvalidInput
from shared.providers import offline_speech
from shared.providers.registry import resolve, speech_api
from shared.providers.voices import OPENAI_REALTIME_VOICES, OPENAI_SPEECH_VOICES

# The offline engines have one voice each; an agent's voice does not change them.
OFFLINE_VOICES = {"piper": ("joe",), "espeak-ng": ("default",)}


def speech_voices(config: Config) -> list[str]:
    """The voices of the active text-to-speech provider."""
    if resolve(config.tts_provider, config) == "openai":
        realtime = speech_api(config) == "realtime"
        return list(OPENAI_REALTIME_VOICES if realtime else OPENAI_SPEECH_VOICES)
    engine = offline_speech.offline_engines()["tts"]
    return list(OFFLINE_VOICES.get(engine or "", ()))


def allowed_models(config: Config, listing: Sequence[ListedModel] | None) -> set[str]:
    if config.allowed_models:
        return set(config.allowed_models)
    return {config.openai_chat_model, *(model.id for model in listing or ())}


def allowed_voices(config: Config) -> set[str]:
    if config.allowed_voices:
        return set(config.allowed_voices)
    return {config.openai_tts_voice, *speech_voices(config)}


def check_agent_choices(
    config: Config,
    listing: Sequence[ListedModel] | None,
    changes: Mapping[str, Any],
    current: Mapping[str, Any],
) -> None:
    """Refuse (422 naming the field) a model or voice outside its allow-list.

    Only a changed value is checked, so an agent keeps a model chosen before a list changed.
    Callers skip this for admins.
    """
    rules = (
        ("model", lambda: allowed_models(config, listing), "GET /api/models lists"),
        ("voice", lambda: allowed_voices(config), "GET /api/models lists as voices"),
    )
    for field, allowed, where in rules:
        value = changes.get(field)
        if value is None or value == current.get(field):
            continue
        if value not in allowed():
            raise InvalidInput(
                field, f"The {field} {value!r} is not allowed here; use one that {where}."
            )
