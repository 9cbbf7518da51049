"""Which provider serves each stage, from LLM_PROVIDER / STT_PROVIDER / TTS_PROVIDER."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlparse

from shared.core.config import Config, ReplyChoice
from shared.providers import offline_speech
from shared.providers.base import ChatProvider, SpeechToText, TextToSpeech
from shared.providers.openai_realtime import OpenAIRealtimeSpeech
from shared.providers.openai_speech import OpenAISpeechToText, OpenAITextToSpeech
from shared.providers.reply_engines import llm_report, reply_provider
from shared.providers.whisper_stt import WhisperSpeechToText


def resolve(choice: ReplyChoice, config: Config) -> str:
    """`auto` means OpenAI when a key is configured, offline otherwise."""
    if choice == "auto":
        return "openai" if config.openai_api_key else "offline"
    return choice


def chat_provider(config: Config) -> ChatProvider:
    """OpenAI, a local OpenAI-compatible server, the bundled model, or offline replies."""
    return reply_provider(config)


def speech_to_text(config: Config) -> SpeechToText:
    """OpenAI transcription, or Whisper / pocketsphinx (a clear 503 on use when neither is)."""
    if resolve(config.stt_provider, config) == "openai":
        return OpenAISpeechToText(config)
    engine = offline_speech.offline_engines()["stt"]
    if engine == "whisper":
        return WhisperSpeechToText(config.stt_concurrency, config.max_audio_seconds)
    if engine == "pocketsphinx":
        return offline_speech.PocketsphinxSpeechToText(config.max_audio_seconds)
    return offline_speech.MissingSpeechToText()


def text_to_speech(config: Config) -> TextToSpeech:
    """OpenAI speech, or piper / espeak-ng (a clear 503 on use when neither is installed)."""
    if resolve(config.tts_provider, config) == "openai":
        if speech_api(config) == "realtime":
            return OpenAIRealtimeSpeech(config)
        return OpenAITextToSpeech(config)
    engine = offline_speech.offline_engines()["tts"]
    if engine == "piper":
        return offline_speech.PiperTextToSpeech()
    if engine == "espeak-ng":
        return offline_speech.EspeakTextToSpeech()
    return offline_speech.MissingTextToSpeech()


def is_openai_api(config: Config) -> bool:
    """True when the upstream is OpenAI's own API (no OPENAI_BASE_URL, or api.openai.com)."""
    base_url = config.openai_base_url.strip()
    return not base_url or urlparse(base_url).hostname == "api.openai.com"


def speech_api(config: Config) -> Literal["speech", "realtime"]:
    """TTS_API: `auto` speaks through the Realtime API on OpenAI's own API with a realtime
    model, and through `/v1/audio/speech` on OpenAI-compatible servers (they keep it)."""
    if config.tts_api != "auto":
        return config.tts_api
    realtime = is_openai_api(config) and "realtime" in config.openai_tts_model
    return "realtime" if realtime else "speech"


def openai_server(config: Config) -> str:
    """The host (and port) an `openai` stage talks to: api.openai.com, or the other server
    OPENAI_BASE_URL names (so people see which server answers them)."""
    if is_openai_api(config):
        return "api.openai.com"
    parts = urlparse(config.openai_base_url.strip())
    host = parts.hostname or config.openai_base_url.strip()  # never a user:password in the URL
    return f"{host}:{parts.port}" if parts.port else host


def active_providers(config: Config) -> dict[str, str]:
    """Which engine serves each stage, as the UI and /health report it (`openai_server` when
    a stage is `openai`: which server that is)."""
    report = {
        **llm_report(config),
        "stt": resolve(config.stt_provider, config),
        "tts": resolve(config.tts_provider, config),
    }
    if "openai" in (report["llm"], report["stt"], report["tts"]):
        report["openai_server"] = openai_server(config)
    return report


def speech_engines(config: Config) -> dict[str, str]:
    """`active_providers` plus the engine behind each speech stage ("none" = not installed)."""
    installed = offline_speech.offline_engines()
    report = active_providers(config)
    for stage in ("stt", "tts"):
        engine = "openai" if report[stage] == "openai" else installed[stage] or "none"
        report[f"{stage}_engine"] = engine
    if report["tts"] == "openai":
        report["tts_api"] = speech_api(config)
    return report
