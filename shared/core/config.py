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
from typing import Any

from dotenv import dotenv_values
from pydantic import ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from shared.core.settings import (
    DEV_SECRET,
    DEVELOPMENT_ENVS,
    MIN_SECRET_LENGTH,
    REASONING_EFFORTS,
    ROOT,
    FeatureSettings,
    LimitSettings,
    ReplyChoice,
    ServiceSettings,
)

__all__ = [
    "DEV_SECRET",
    "MIN_SECRET_LENGTH",
    "REASONING_EFFORTS",
    "ROOT",
    "Config",
    "ConfigError",
    "ReplyChoice",
]


class ConfigError(RuntimeError):
    """The environment describes a configuration the app refuses to start with."""


class Config(FeatureSettings, LimitSettings, ServiceSettings):
    """Both services' settings; the environment variable is the field's name in upper case."""

    model_config = SettingsConfigDict(frozen=True, extra="forbid", validate_default=True)

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
        "rate_limit_imports",
        "rate_limit_imports_per_ip",
        "rate_limit_searches",
        "rate_limit_searches_per_ip",
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
