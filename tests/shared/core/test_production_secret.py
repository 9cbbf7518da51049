"""The development JWT secret is accepted only in an explicit development or test environment."""

from __future__ import annotations

import pytest
from dotenv import dotenv_values

from shared.core.config import DEV_SECRET, ROOT, Config, ConfigError


@pytest.mark.parametrize(
    "environ",
    [
        {},
        {"APP_ENV": "production "},
        {"APP_ENV": " Production"},
        {"APP_ENV": "prod\n"},
        {"APP_ENV": "staging"},
        {"APP_ENV": "developmentx"},
        {"FLASK_ENV": "production "},
        {"APP_ENV": "production", "JWT_SECRET_KEY": DEV_SECRET},
    ],
    ids=repr,
)
def test_config_refuses_dev_secret_outside_development(environ: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match="JWT_SECRET_KEY"):
        Config.from_env(environ)


@pytest.mark.parametrize("name", ["development", " Development ", "dev", "test", "TESTING\n"])
def test_config_accepts_dev_secret_in_explicit_development(name: str) -> None:
    assert Config.from_env({"APP_ENV": name}).jwt_secret_key == DEV_SECRET


def test_config_refuses_short_secret_when_environment_unnamed() -> None:
    with pytest.raises(ConfigError, match="32"):
        Config.from_env({"JWT_SECRET_KEY": "short"})
    assert Config.from_env({"JWT_SECRET_KEY": "k" * 40}).is_production


def test_env_example_never_overrides_the_images_production_environment() -> None:
    example = dotenv_values(ROOT / ".env.example")
    assert not example.get("APP_ENV") and not example.get("FLASK_ENV")
    with pytest.raises(ConfigError):
        Config.from_env({k: v for k, v in example.items() if v})
