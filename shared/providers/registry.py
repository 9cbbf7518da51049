"""Which provider serves each stage, from LLM_PROVIDER / STT_PROVIDER / TTS_PROVIDER."""

from __future__ import annotations

from shared.config import Config, ProviderChoice
from shared.providers import offline_speech
from shared.providers.base import ChatProvider, SpeechToText, TextToSpeech
from shared.providers.offline import OfflineChat
from shared.providers.openai_chat import OpenAIChat
from shared.providers.openai_speech import OpenAISpeechToText, OpenAITextToSpeech


def resolve(choice: ProviderChoice, config: Config) -> str:
    """`auto` means OpenAI when a key is configured, offline otherwise."""
    if choice == "auto":
        return "openai" if config.openai_api_key else "offline"
    return choice


def chat_provider(config: Config) -> ChatProvider:
    if resolve(config.llm_provider, config) == "openai":
        return OpenAIChat(config)
    return OfflineChat()


def speech_to_text(config: Config) -> SpeechToText:
    """OpenAI transcription, or pocketsphinx (a clear 503 on use when it is not installed)."""
    if resolve(config.stt_provider, config) == "openai":
        return OpenAISpeechToText(config)
    if offline_speech.offline_engines()["stt"] == "pocketsphinx":
        return offline_speech.PocketsphinxSpeechToText(config.max_audio_seconds)
    return offline_speech.MissingSpeechToText()


def text_to_speech(config: Config) -> TextToSpeech:
    """OpenAI speech, or piper / espeak-ng (a clear 503 on use when neither is installed)."""
    if resolve(config.tts_provider, config) == "openai":
        return OpenAITextToSpeech(config)
    engine = offline_speech.offline_engines()["tts"]
    if engine == "piper":
        return offline_speech.PiperTextToSpeech()
    if engine == "espeak-ng":
        return offline_speech.EspeakTextToSpeech()
    return offline_speech.MissingTextToSpeech()


def active_providers(config: Config) -> dict[str, str]:
    """Which engine serves each stage, as the UI and /health report it."""
    return {
        "llm": resolve(config.llm_provider, config),
        "stt": resolve(config.stt_provider, config),
        "tts": resolve(config.tts_provider, config),
    }


def speech_engines(config: Config) -> dict[str, str]:
    """`active_providers` plus the engine behind each speech stage ("none" = not installed)."""
    installed = offline_speech.offline_engines()
    report = active_providers(config)
    for stage in ("stt", "tts"):
        engine = "openai" if report[stage] == "openai" else installed[stage] or "none"
        report[f"{stage}_engine"] = engine
    return report
