"""Settings for both services, read once from the environment (and `.env` when present)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal

from dotenv import dotenv_values

ROOT = Path(__file__).resolve().parents[2]
DEV_SECRET = "dev-secret-change-me-dev-secret-change-me"
MIN_SECRET_LENGTH = 32
# The only environments (after trimming and lower-casing) that accept the development secret.
DEVELOPMENT_ENVS = frozenset({"development", "dev", "test", "testing"})
ProviderChoice = Literal["auto", "openai", "offline"]
TtsApi = Literal["auto", "speech", "realtime"]
# Replies may also come from a local model (SmolLM2 in-process); see shared/providers/local_llm.py.
ReplyChoice = Literal["auto", "openai", "offline", "local"]


class ConfigError(RuntimeError):
    """The environment describes a configuration the app refuses to start with."""


def _default_database_url() -> str:
    return f"sqlite:///{ROOT / 'instance' / 'app.db'}"


@dataclass(frozen=True)
class Config:
    app_env: str = "development"
    database_url: str = field(default_factory=_default_database_url)
    jwt_secret_key: str = DEV_SECRET
    jwt_access_minutes: int = 15
    jwt_refresh_days: int = 30
    openai_api_key: str = ""
    openai_base_url: str = ""
    # Defaults OpenAI still serves after the 2027 shutdowns (see README "Model lifecycle").
    openai_chat_model: str = "gpt-6-luna"
    openai_stt_model: str = "gpt-transcribe"
    openai_tts_model: str = "gpt-realtime-2.1-mini"
    openai_tts_voice: str = "alloy"
    # One upstream call may take this long, retried at most this often; a whole turn is
    # bounded by provider_timeout * (provider_max_retries + 1) plus backoff.
    provider_timeout: float = 30.0
    provider_max_retries: int = 1
    llm_provider: ReplyChoice = "auto"
    stt_provider: ProviderChoice = "auto"
    tts_provider: ProviderChoice = "auto"
    cors_origins: tuple[str, ...] = ()
    public_api_url: str = ""
    public_voice_url: str = ""
    max_message_chars: int = 4000
    max_prompt_chars: int = 8000
    max_name_chars: int = 100
    max_audio_bytes: int = 25 * 1024 * 1024
    # A recording may play this long (checked from its container and while decoding).
    max_audio_seconds: float = 120.0
    max_page_size: int = 100
    history_max_messages: int = 50
    history_budget_chars: int = 16000
    # Abuse limits ("N/second|minute|hour|day"); counters shared through Redis when configured.
    rate_limit_enabled: bool = True
    # Empty: REDIS_URL when set, else memory:// (counted per process, see `workers`).
    rate_limit_storage_url: str = ""
    rate_limit_replies: str = "20/minute"
    rate_limit_replies_per_ip: str = "60/minute"
    rate_limit_guest_tokens: str = "30/hour"
    rate_limit_register: str = "10/hour"
    rate_limit_login_per_ip: str = "30/minute"
    rate_limit_login_per_user: str = "10/minute"
    # Failed logins per (username, IP) and per IP before each further failure locks that
    # pair or IP for 1, 2, 4, ... seconds (see shared/limits/login_guard.py).
    login_backoff_after: int = 5
    login_backoff_after_per_ip: int = 20
    login_backoff_max_seconds: int = 900
    # Redis shared by every process and replica (rate limits, ...); empty = no Redis.
    redis_url: str = ""
    # Worker processes of this service (the entrypoint and `make run` export WORKERS). Without
    # shared rate-limit storage each process allows its share: the configured limit / workers.
    workers: int = 1
    # How many reverse proxies sit in front (their X-Forwarded-For is trusted for client IPs).
    proxy_hops: int = 0
    # Spoken messages kept for replay (bytes of audio in memory; Redis entries up to a quarter).
    speech_cache_bytes: int = 64 * 1024 * 1024
    # Model lifecycle and cost limits: which speech API speaks replies, which models and voices
    # non-admins may give an agent (empty: the defaults plus what GET /v1/models lists), the
    # output cap per reply, and how often GET /v1/models is read again.
    tts_api: TtsApi = "auto"
    allowed_models: tuple[str, ...] = ()
    allowed_voices: tuple[str, ...] = ()
    max_reply_tokens: int = 4096
    models_refresh_seconds: float = 3600.0
    # Offline engines: a local OpenAI-compatible server probed when LLM_PROVIDER=auto has no key
    # (default: Ollama's port), the in-process SmolLM2 model, and offline Whisper transcription.
    local_llm_url: str = ""
    local_llm_model: str = ""
    local_llm_max_tokens: int = 256
    local_llm_context: int = 4096
    local_llm_concurrency: int = 1
    stt_concurrency: int = 2
    # Streamed voice: sentences synthesised at once (in order), longest sentence sent to speech.
    tts_max_in_flight: int = 2
    max_sentence_chars: int = 400
    # Chat import (POST /api/chats/import): the largest export file accepted.
    max_import_bytes: int = 5 * 1024 * 1024
    # Token budgets over a rolling day (0 = unlimited); see shared/usage/reservations.py.
    quota_user_tokens_per_day: int = 0
    quota_guest_tokens_per_day: int = 20_000
    quota_guest_ip_tokens_per_day: int = 100_000
    # `flask --app api purge` deletes guest chats idle longer than this.
    guest_retention_days: int = 30
    # Client addresses or networks allowed to read /metrics ("0.0.0.0/0" for everyone).
    metrics_allow: tuple[str, ...] = ("127.0.0.1", "::1")
    # Hardening: speech allowances over a rolling day (0 = unlimited; characters spoken,
    # seconds heard), the most one read-aloud speaks, and synthesis calls at once per request
    # and per process (see shared/usage/speech_budgets.py).
    quota_user_speech_chars_per_day: int = 200_000
    quota_guest_speech_chars_per_day: int = 20_000
    quota_guest_ip_speech_chars_per_day: int = 100_000
    quota_user_speech_seconds_per_day: int = 3_600
    quota_guest_speech_seconds_per_day: int = 600
    quota_guest_ip_speech_seconds_per_day: int = 3_000
    max_speech_chars: int = 20_000
    tts_parallel_per_request: int = 4
    tts_parallel_per_process: int = 8
    # Hardening: chat import (POST /api/chats/import) bounds; an imported reply's length cap.
    max_reply_chars: int = 20_000
    max_import_chats: int = 50
    max_import_messages: int = 5_000
    rate_limit_imports: str = "10/hour"
    rate_limit_imports_per_ip: str = "30/hour"
    # Hardening: search (GET /api/search) rate limits and the statement timeout of one search.
    rate_limit_searches: str = "30/minute"
    rate_limit_searches_per_ip: str = "90/minute"
    search_timeout_ms: int = 3_000

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Config:
        """Build settings from `environ` (default: `.env` overlaid by the process environment)."""
        if environ is None:
            dotenv = {k: v for k, v in dotenv_values(ROOT / ".env").items() if v is not None}
            environ = {**dotenv, **os.environ}
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = environ.get(f.name.upper())
            if raw is None or raw == "":
                continue
            values[f.name] = _parse(f.name, str(f.type), raw)
        if "app_env" not in values:
            # Fail closed: with no environment named, the development secret is refused.
            values["app_env"] = environ.get("FLASK_ENV") or "production"
        config = cls(**values)
        config.validate()
        return config

    @property
    def is_production(self) -> bool:
        """Anything but an explicit development or test environment counts as production."""
        return self.app_env.strip().lower() not in DEVELOPMENT_ENVS

    def validate(self) -> None:
        """Refuse settings that would be unsafe or cannot work."""
        if self.llm_provider not in ("auto", "openai", "offline", "local"):
            raise ConfigError("LLM_PROVIDER must be auto, openai, offline or local")
        for name in ("stt_provider", "tts_provider"):
            if getattr(self, name) not in ("auto", "openai", "offline"):
                raise ConfigError(f"{name.upper()} must be auto, openai or offline")
        if self.tts_api not in ("auto", "speech", "realtime"):
            raise ConfigError("TTS_API must be auto, speech or realtime")
        if self.local_llm_max_tokens < 1 or self.local_llm_context <= self.local_llm_max_tokens:
            raise ConfigError("LOCAL_LLM_CONTEXT must be larger than LOCAL_LLM_MAX_TOKENS (>= 1)")
        if self.max_audio_seconds <= 0:
            raise ConfigError("MAX_AUDIO_SECONDS must be a positive number of seconds")
        if self.workers < 1:
            raise ConfigError("WORKERS must be at least 1")
        if min(self.login_backoff_after, self.login_backoff_after_per_ip) < 1:
            raise ConfigError("LOGIN_BACKOFF_AFTER and LOGIN_BACKOFF_AFTER_PER_IP must be >= 1")
        if not 1 <= self.max_page_size <= 100:  # 100 is the documented largest page
            raise ConfigError("MAX_PAGE_SIZE must be between 1 and 100")
        for name in (f.name for f in fields(self) if f.name.startswith("rate_limit_")):
            value = getattr(self, name)
            if isinstance(value, str) and name != "rate_limit_storage_url" and not _is_rate(value):
                raise ConfigError(f"{name.upper()} must look like '20/minute', got {value!r}")
        # Last, so a malformed setting is reported as such first.
        if self.is_production:
            if self.jwt_secret_key == DEV_SECRET:
                raise ConfigError(
                    "JWT_SECRET_KEY must be set outside development (the dev secret is refused "
                    f"unless APP_ENV is one of {', '.join(sorted(DEVELOPMENT_ENVS))})"
                )
            if len(self.jwt_secret_key) < MIN_SECRET_LENGTH:
                raise ConfigError(
                    f"JWT_SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters in production"
                )

    def replace(self, **changes: Any) -> Config:
        return replace(self, **changes)


def _is_rate(value: str) -> bool:
    from limits import parse

    try:
        parse(value)
    except ValueError:
        return False
    return True


def _parse(name: str, type_name: str, raw: str) -> Any:
    try:
        if type_name == "int":
            return int(raw)
        if type_name == "float":
            return float(raw)
        if type_name == "bool":
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        if type_name.startswith("tuple"):
            return tuple(part.strip() for part in raw.split(",") if part.strip())
    except ValueError as exc:
        raise ConfigError(f"{name.upper()} must be a number, got {raw!r}") from exc
    return raw
