"""Settings are typed and validated at start: one line per refused variable, never a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from shared.core.config import Config, ConfigError
from tests.conftest import repo_path


def test_from_env_reads_typed_values_and_comma_lists() -> None:
    config = Config.from_env(
        {"APP_ENV": "test", "WORKERS": "3", "CORS_ORIGINS": "https://a.example, https://b.example"}
    )
    assert config.workers == 3
    assert config.cors_origins == ("https://a.example", "https://b.example")


def test_from_env_names_every_bad_variable_on_its_own_line() -> None:
    environ = {"APP_ENV": "test", "WORKERS": "many", "TTS_API": "loud", "RATE_LIMIT_REPLIES": "x"}
    with pytest.raises(ConfigError) as refused:
        Config.from_env(environ)
    lines = str(refused.value).splitlines()
    assert len(lines) == 3
    assert {line.split(":")[0] for line in lines} == {"WORKERS", "TTS_API", "RATE_LIMIT_REPLIES"}


def test_from_env_refuses_a_page_size_over_the_documented_largest() -> None:
    with pytest.raises(ConfigError, match="MAX_PAGE_SIZE"):
        Config.from_env({"APP_ENV": "test", "MAX_PAGE_SIZE": "101"})


def test_replace_validates_the_copy() -> None:
    config = Config(app_env="test")
    assert config.replace(workers=2).workers == 2
    with pytest.raises(ConfigError, match="WORKERS"):
        config.replace(workers=0)


def test_config_made_in_code_reads_no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKERS", "7")
    assert Config(app_env="test").workers == 1


def test_configuration_docs_and_example_match_the_settings() -> None:
    result = subprocess.run(
        [sys.executable, str(repo_path("bin", "config-docs")), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout
