"""Settings for both services: one typed class (pydantic-settings), read once from the environment
(and `.env` when present) and validated at start.

Every setting is a field here with its type, default and one-line description; the
configuration table (docs/configuration.md) and `.env.example` are checked against these
definitions by `bin/config-docs --check` in `make lint`. A bad value is refused with one line
per problem (ConfigError), never a traceback: the services and the CLI print it and exit.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from dotenv import dotenv_values
from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[2]
DEV_SECRET = "dev-secret-change-me-dev-secret-change-me"
MIN_SECRET_LENGTH = 32
# The only environments (after trimming and lower-casing) that accept the development secret.
DEVELOPMENT_ENVS = frozenset({"development", "dev", "test", "testing"})
ProviderChoice = Literal["auto", "openai", "offline"]
TtsApi = Literal["auto", "speech", "realtime"]
# Replies may also come from a local model (in-process); see shared/providers/local_llm.py.
ReplyChoice = Literal["auto", "openai", "offline", "local"]
# A comma-separated list in the environment ("a, b"), a tuple in the code.
Names = Annotated[tuple[str, ...], NoDecode]


class ConfigError(RuntimeError):
    """The environment describes a configuration the app refuses to start with."""


# Reasoning efforts OpenAI's reasoning models accept (gpt-6-luna: none to max).
REASONING_EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh", "max")


def _default_database_url() -> str:
    return f"sqlite:///{ROOT / 'instance' / 'app.db'}"


def _d(description: str, **kwargs: Any) -> Any:
    """A field's default and its one-line description (the documentation's source)."""
    return Field(description=description, **kwargs)


class Config(BaseSettings):
    """Both services' settings; the environment variable is the field's name in upper case."""

    model_config = SettingsConfigDict(frozen=True, extra="forbid", validate_default=True)

    app_env: str = _d(
        "anything but development/dev/test/testing turns on the secret checks",
        default="development",
    )
    database_url: str = _d(
        "SQLite file or `postgresql://user@host/db` (drivers are chosen per service)",
        default_factory=_default_database_url,
    )
    jwt_secret_key: str = _d("HS256 signing key shared by both services", default=DEV_SECRET)
    jwt_access_minutes: int = _d("access token lifetime in minutes", default=15, ge=1)
    jwt_refresh_days: int = _d("refresh token lifetime in days", default=30, ge=1)
    openai_api_key: str = _d("enables OpenAI; empty means offline", default="")
    openai_base_url: str = _d(
        "any OpenAI-compatible server, e.g. `http://localhost:8000/v1`", default=""
    )
    # Defaults OpenAI still serves after the 2027 shutdowns (see README "Model lifecycle").
    openai_chat_model: str = _d(
        "default chat model (an agent's `model` overrides it)", default="gpt-6-luna"
    )
    openai_stt_model: str = _d(
        "speech-to-text model (`/v1/audio/transcriptions`)", default="gpt-transcribe"
    )
    openai_tts_model: str = _d("text-to-speech model", default="gpt-realtime-2.1-mini")
    openai_tts_voice: str = _d("default voice (an agent's `voice` overrides it)", default="alloy")
    # One upstream call may take this long, retried at most this often; a whole turn is
    # bounded by provider_timeout * (provider_max_retries + 1) plus backoff.
    provider_timeout: float = _d("seconds one upstream call may take", default=30.0, gt=0)
    provider_max_retries: int = _d("SDK retries on connection errors, 429 and 5xx", default=1, ge=0)
    llm_provider: ReplyChoice = _d(
        "replies: `auto`, `openai`, `offline` or `local`", default="auto"
    )
    stt_provider: ProviderChoice = _d(
        "speech to text: `auto`, `openai` or `offline`", default="auto"
    )
    tts_provider: ProviderChoice = _d(
        "text to speech: `auto`, `openai` or `offline`", default="auto"
    )
    cors_origins: Names = _d(
        "comma-separated browser origins allowed to call the services", default=()
    )
    public_api_url: str = _d("where the web page finds the API (empty: same origin)", default="")
    public_voice_url: str = _d(
        "where the web page finds the voice service (empty: same origin)", default=""
    )
    max_message_chars: int = _d("longest text message", default=4000, ge=1)
    max_prompt_chars: int = _d("longest agent prompt", default=8000, ge=1)
    max_name_chars: int = _d("longest agent name", default=100, ge=1)
    max_audio_bytes: int = _d("largest voice upload in bytes", default=25 * 1024 * 1024, ge=1)
    max_audio_seconds: float = _d("longest recording in seconds", default=120.0, gt=0)
    max_page_size: int = _d(
        "largest `page_size` of every listing (1 to 100)", default=100, ge=1, le=100
    )
    history_max_messages: int = _d("most recent messages sent to the model", default=50, ge=1)
    history_budget_chars: int = _d("character budget for that history", default=16000, ge=1)
    # Abuse limits ("N/second|minute|hour|day"); counters shared through Redis when configured.
    rate_limit_enabled: bool = _d("turn all abuse limits off with `false`", default=True)
    rate_limit_storage_url: str = _d(
        "counters' storage (empty: `REDIS_URL`, else `memory://` per process)", default=""
    )
    rate_limit_replies: str = _d(
        "replies (text, stream, voice) per user or guest", default="20/minute"
    )
    rate_limit_replies_per_ip: str = _d("replies per client IP", default="60/minute")
    rate_limit_guest_tokens: str = _d("guest tokens per IP", default="30/hour")
    rate_limit_register: str = _d("registrations per IP", default="10/hour")
    rate_limit_login_per_ip: str = _d("login attempts per IP", default="30/minute")
    rate_limit_login_per_user: str = _d(
        "login attempts per username from one client IP", default="10/minute"
    )
    # Failed logins per (username, IP) and per IP before each further failure locks that
    # pair or IP for 1, 2, 4, ... seconds (see shared/limits/login_guard.py).
    login_backoff_after: int = _d(
        "failed logins per (username, IP) before the lock", default=5, ge=1
    )
    login_backoff_after_per_ip: int = _d("failed logins per IP before the lock", default=20, ge=1)
    login_backoff_max_seconds: int = _d("longest login lock in seconds", default=900, ge=1)
    redis_url: str = _d("one Redis shared by every process and replica (empty: none)", default="")
    # Without shared rate-limit storage each process allows its share: the limit / workers.
    workers: int = _d(
        "worker processes of this service (entrypoint and `make run` set it)", default=1, ge=1
    )
    proxy_hops: int = _d(
        "reverse proxies in front whose `X-Forwarded-For` is trusted", default=0, ge=0
    )
    speech_cache_bytes: int = _d(
        "spoken messages kept for replay (bytes in memory; Redis entries up to a quarter)",
        default=64 * 1024 * 1024,
        ge=0,
    )
    tts_api: TtsApi = _d("how replies are spoken: `auto`, `speech` or `realtime`", default="auto")
    allowed_models: Names = _d(
        "models non-admins may give an agent (empty: listed ones)", default=()
    )
    allowed_voices: Names = _d(
        "voices non-admins may give an agent (empty: the provider's)", default=()
    )
    max_reply_tokens: int = _d("output cap per reply in tokens (0: none)", default=4096, ge=0)
    models_refresh_seconds: float = _d(
        "how often `GET /v1/models` is read again", default=3600.0, gt=0
    )
    local_llm_url: str = _d(
        "a local OpenAI-compatible server probed when offline (empty: Ollama's)", default=""
    )
    local_llm_model: str = _d("that server's model (empty: the first one listed)", default="")
    local_llm_max_tokens: int = _d("longest reply of the in-process local model", default=256, ge=1)
    local_llm_context: int = _d("its context window in tokens", default=4096, ge=2)
    local_llm_concurrency: int = _d("its replies written at once per process", default=1, ge=1)
    stt_concurrency: int = _d("offline transcriptions at once per process", default=2, ge=1)
    tts_max_in_flight: int = _d(
        "sentences synthesised at once in a streamed voice reply", default=2, ge=1
    )
    max_sentence_chars: int = _d("longest sentence sent to speech at once", default=400, ge=20)
    max_import_bytes: int = _d(
        "largest chat export file `POST /api/chats/import` accepts", default=5 * 1024 * 1024, ge=1
    )
    quota_user_tokens_per_day: int = _d(
        "tokens per account per rolling day (0: unlimited)", default=0, ge=0
    )
    quota_guest_tokens_per_day: int = _d(
        "tokens per guest per rolling day (0: unlimited)", default=20_000, ge=0
    )
    quota_guest_ip_tokens_per_day: int = _d(
        "tokens of all guests from one IP per rolling day (0: unlimited)", default=100_000, ge=0
    )
    guest_retention_days: int = _d(
        "`flask --app api purge` deletes guest chats idle longer", default=30, ge=1
    )
    metrics_allow: Names = _d(
        "addresses or networks that may read `/metrics`", default=("127.0.0.1", "::1")
    )

    # Conversation mode's voice-activity detection in the browser (published in /config.json).
    vad_positive_threshold: float = _d(
        "a frame is speech above this probability", default=0.5, gt=0, lt=1
    )
    vad_negative_threshold: float = _d(
        "a frame is silence below this probability", default=0.35, gt=0, lt=1
    )
    vad_min_speech_ms: int = _d(
        "shorter speech is ignored as noise (at least one 32 ms frame)", default=250, ge=32
    )
    vad_pause_ms: int = _d("a pause this long ends the utterance", default=800, ge=100)

    # Tools (MCP servers, docs/tools.md) and reasoning effort.
    tool_servers_file: str = _d(
        "JSON file of MCP servers in the `mcpServers` form (empty: no tools)", default=""
    )
    tool_timeout: float = _d("seconds one tool call may take", default=20.0, gt=0)
    max_tool_result_chars: int = _d("longest tool result sent to the model", default=20_000, ge=1)
    max_tool_rounds: int = _d("most tool rounds in one reply", default=5, ge=1)
    openai_reasoning_effort: str = _d(
        "reasoning effort sent to reasoning models (empty: the model's own; voice uses `low`)",
        default="",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # `Config(...)` in code takes only what it is given; `from_env` reads the environment.
        return (init_settings,)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Config:
        """Settings from `environ` (default: `.env` overlaid by the process environment)."""
        if environ is None:
            dotenv = {k: v for k, v in dotenv_values(ROOT / ".env").items() if v is not None}
            environ = {**dotenv, **os.environ}
        values: dict[str, Any] = {
            name: environ[name.upper()] for name in cls.model_fields if environ.get(name.upper())
        }
        # Fail closed: with no environment named, the development secret is refused.
        values.setdefault("app_env", environ.get("FLASK_ENV") or "production")
        return cls(**values)

    def __init__(self, **values: Any) -> None:
        """Validated settings, or ConfigError with one line per problem."""
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise ConfigError(problems(exc)) from None

    @field_validator(
        "cors_origins", "allowed_models", "allowed_voices", "metrics_allow", mode="before"
    )
    @classmethod
    def _names(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator(
        "rate_limit_replies",
        "rate_limit_replies_per_ip",
        "rate_limit_guest_tokens",
        "rate_limit_register",
        "rate_limit_login_per_ip",
        "rate_limit_login_per_user",
    )
    @classmethod
    def _rates(cls, value: str) -> str:
        from limits import parse

        try:
            parse(value)
        except ValueError:
            raise ValueError(f"must look like '20/minute', got {value!r}") from None
        return value

    @field_validator("openai_reasoning_effort")
    @classmethod
    def _effort(cls, value: str) -> str:
        if value not in ("", *REASONING_EFFORTS):
            raise ValueError(f"must be one of {', '.join(REASONING_EFFORTS)}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Config:
        if self.local_llm_context <= self.local_llm_max_tokens:
            raise ValueError("LOCAL_LLM_CONTEXT must be larger than LOCAL_LLM_MAX_TOKENS")
        if not self.vad_negative_threshold < self.vad_positive_threshold:
            raise ValueError("VAD_NEGATIVE_THRESHOLD must be below VAD_POSITIVE_THRESHOLD")
        # Last, so a malformed setting is reported as such first.
        if self.is_production and self.jwt_secret_key == DEV_SECRET:
            raise ValueError(
                "JWT_SECRET_KEY must be set outside development (the dev secret is refused "
                f"unless APP_ENV is one of {', '.join(sorted(DEVELOPMENT_ENVS))})"
            )
        if self.is_production and len(self.jwt_secret_key) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"JWT_SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters in production"
            )
        return self

    @property
    def is_production(self) -> bool:
        """Anything but an explicit development or test environment counts as production."""
        return self.app_env.strip().lower() not in DEVELOPMENT_ENVS

    def replace(self, **changes: Any) -> Config:
        """A copy with `changes`, validated like any Config."""
        return type(self)(**{**dict(self), **changes})


def problems(exc: ValidationError) -> str:
    """One line per refused setting, named as in the environment."""
    lines = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        lines.append(f"{where.upper()}: {message}" if where else message)
    return "\n".join(lines)
