"""Settings for both services, read once from the environment (and `.env` when present)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal

from dotenv import dotenv_values

ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET = "dev-secret-change-me-dev-secret-change-me"
MIN_SECRET_LENGTH = 32
ProviderChoice = Literal["auto", "openai", "offline"]


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
    openai_chat_model: str = "gpt-4o-mini"
    openai_stt_model: str = "whisper-1"
    openai_tts_model: str = "gpt-4o-mini-tts"
    openai_tts_voice: str = "alloy"
    # One upstream call may take this long, retried at most this often; a whole turn is
    # bounded by provider_timeout * (provider_max_retries + 1) plus backoff.
    provider_timeout: float = 30.0
    provider_max_retries: int = 1
    llm_provider: ProviderChoice = "auto"
    stt_provider: ProviderChoice = "auto"
    tts_provider: ProviderChoice = "auto"
    cors_origins: tuple[str, ...] = ()
    public_api_url: str = ""
    public_voice_url: str = ""
    max_message_chars: int = 4000
    max_prompt_chars: int = 8000
    max_name_chars: int = 100
    max_audio_bytes: int = 25 * 1024 * 1024
    max_page_size: int = 100
    history_max_messages: int = 50
    history_budget_chars: int = 16000
    # Abuse limits ("N/second|minute|hour|day"); counters shared through Redis when configured.
    rate_limit_enabled: bool = True
    rate_limit_storage_url: str = "memory://"
    rate_limit_replies: str = "20/minute"
    rate_limit_replies_per_ip: str = "60/minute"
    rate_limit_guest_tokens: str = "30/hour"
    rate_limit_register: str = "10/hour"
    rate_limit_login_per_ip: str = "30/minute"
    rate_limit_login_per_user: str = "10/minute"
    # How many reverse proxies sit in front (their X-Forwarded-For is trusted for client IPs).
    proxy_hops: int = 0
    # Token budgets over a rolling day (0 = unlimited); see shared/quotas.py for the defaults.
    quota_user_tokens_per_day: int = 0
    quota_guest_tokens_per_day: int = 20_000
    quota_guest_ip_tokens_per_day: int = 100_000
    # `flask --app api purge` deletes guest chats idle longer than this.
    guest_retention_days: int = 30
    # Client addresses or networks allowed to read /metrics ("0.0.0.0/0" for everyone).
    metrics_allow: tuple[str, ...] = ("127.0.0.1", "::1")

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
            env_name = environ.get("FLASK_ENV") or environ.get("APP_ENV")
            if env_name:
                values["app_env"] = env_name
        config = cls(**values)
        config.validate()
        return config

    @property
    def is_production(self) -> bool:
        return self.app_env.lower() in {"production", "prod"}

    def validate(self) -> None:
        """Refuse settings that would be unsafe or cannot work."""
        if self.is_production:
            if self.jwt_secret_key == DEV_SECRET:
                raise ConfigError(
                    "JWT_SECRET_KEY must be set in production (the dev secret is refused)"
                )
            if len(self.jwt_secret_key) < MIN_SECRET_LENGTH:
                raise ConfigError(
                    f"JWT_SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters in production"
                )
        for name in ("llm_provider", "stt_provider", "tts_provider"):
            if getattr(self, name) not in ("auto", "openai", "offline"):
                raise ConfigError(f"{name.upper()} must be auto, openai or offline")
        if not 1 <= self.max_page_size <= 1000:
            raise ConfigError("MAX_PAGE_SIZE must be between 1 and 1000")
        for name in (f.name for f in fields(self) if f.name.startswith("rate_limit_")):
            value = getattr(self, name)
            if isinstance(value, str) and name != "rate_limit_storage_url" and not _is_rate(value):
                raise ConfigError(f"{name.upper()} must look like '20/minute', got {value!r}")

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
