"""Which models and voices an agent may use: the active speech provider's voices, and the
allow-lists that keep non-admins from picking costlier models (cost amplification).

`ALLOWED_MODELS` / `ALLOWED_VOICES` replace the defaults when set; by default a non-admin may
choose the configured default or any model the upstream's `GET /v1/models` lists, and the
configured default voice or any voice of the active speech provider. Admins may use any.
"""

from __future__ import annotations

import re
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


# Families an upstream lists that cannot write a chat reply: speech in or out, realtime
# sessions, embeddings, images, video and moderation. Matched on the id's dash-separated words,
# so "gpt-4o-mini-tts" and "gpt-realtime-2.1-mini" go, while a chat model named e.g. "gpt-6" stays.
NOT_CHAT = re.compile(
    r"(^|[-_.:/])(whisper|tts|transcribe|realtime|audio|embeddings?|dall-e|image|moderation|"
    r"sora|speech)([-_.:/\d]|$)",
    re.IGNORECASE,
)


def is_chat_model(model_id: str) -> bool:
    """Whether an upstream model id names a model that writes chat replies."""
    return NOT_CHAT.search(model_id) is None


def chat_models(listing: Sequence[ListedModel] | None) -> list[ListedModel]:
    """The upstream's listed models an agent can chat with, in the listing's order."""
    return [model for model in listing or () if is_chat_model(model.id)]


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
    return {config.openai_chat_model, *(model.id for model in chat_models(listing))}


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
        ("model", lambda: allowed_models(config, listing)),
        ("voice", lambda: allowed_voices(config)),
    )
    for field, allowed in rules:
        value = changes.get(field)
        if value is None or value == current.get(field):
            continue
        if value not in allowed():
            # Words a user knows: the editor's list is where the choices are.
            raise InvalidInput(
                field, f"The {field} {value!r} isn't available here. Pick one from the list."
            )
