"""Pure lifecycle rules: warnings from a model listing, request bodies per model family, which
speech API speaks, the allow-lists and the catalog's refresh policy. No app, no network."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from shared.catalog.choices import (
    allowed_voices,
    chat_models,
    check_agent_choices,
    is_chat_model,
    speech_voices,
)
from shared.catalog.lifecycle import ListedModel, ModelCatalog, model_warnings, parse_date
from shared.core.config import Config, ConfigError
from shared.core.validation import InvalidInput
from shared.providers.chat_body import chat_body, is_reasoning_model
from shared.providers.registry import speech_api

TODAY = date(2026, 12, 1)
LISTING = [
    ListedModel("gpt-6-luna"),
    ListedModel("gpt-4o-mini", date(2027, 1, 14)),
    ListedModel("gpt-4o-mini-tts", date(2027, 1, 6)),
    ListedModel("old-model", date(2026, 11, 1)),
    ListedModel("soon-model", date(2026, 12, 31)),
]
OPENAI = Config(openai_api_key="key")


def test_model_warnings_name_retiring_and_missing_models() -> None:
    warnings = model_warnings(LISTING, ["gpt-6-luna", "gpt-4o-mini", "gone-model"], TODAY)
    by_model = {w.model: w for w in warnings}
    assert set(by_model) == {"gpt-4o-mini", "gone-model"}
    retiring = by_model["gpt-4o-mini"].as_json()
    assert retiring["kind"] == "retiring" and retiring["shutdown_date"] == "2027-01-14"
    assert retiring["days_left"] == 44 and "2027-01-14" in retiring["message"]
    missing = by_model["gone-model"].as_json()
    assert missing["kind"] == "missing" and missing["shutdown_date"] is None


def test_model_warnings_urgent_within_30_days_and_after_shutdown() -> None:
    warnings = {w.model: w for w in model_warnings(LISTING, ["gpt-4o-mini", "old-model"], TODAY)}
    assert warnings["gpt-4o-mini"].urgent is False
    assert model_warnings(LISTING, ["soon-model"], TODAY)[0].urgent is True
    assert (
        warnings["old-model"].days_left == -30 and "was shut down" in warnings["old-model"].message
    )


def test_model_warnings_without_listing_warn_about_nothing() -> None:
    assert model_warnings(None, ["anything"], TODAY) == []


def test_parse_date_accepts_only_iso_dates() -> None:
    assert parse_date("2027-02-26") == date(2027, 2, 26)
    assert [parse_date(raw) for raw in (None, "", "soon", 20270226)] == [None] * 4


@pytest.mark.parametrize(
    ("model", "reasoning"),
    [("gpt-6-luna", True), ("gpt-5.1", True), ("o3-mini", True), ("o1", True), ("gpt-10", True),
     ("gpt-4o-mini", False), ("gpt-4.1", False), ("llama3", False), ("pirate-model", False)],
)  # fmt: skip
def test_is_reasoning_model(model: str, reasoning: bool) -> None:
    assert is_reasoning_model(model) is reasoning


def test_chat_body_for_reasoning_models() -> None:
    messages = [{"role": "system", "content": "Be kind."}, {"role": "user", "content": "Hi"}]
    body = chat_body(messages, "gpt-6-luna", 500)  # type: ignore[arg-type]
    assert body == {
        "model": "gpt-6-luna",
        "messages": [{"role": "developer", "content": "Be kind."}, messages[1]],
        "max_completion_tokens": 500,
    }
    assert "temperature" not in body


def test_chat_body_for_other_models_keeps_system_and_max_tokens() -> None:
    messages = [{"role": "system", "content": "Be kind."}]
    assert chat_body(messages, "llama3", 500) == {  # type: ignore[arg-type]
        "model": "llama3",
        "messages": messages,
        "max_tokens": 500,
    }
    assert "max_tokens" not in chat_body(messages, "llama3", 0)  # type: ignore[arg-type]


def test_speech_api_auto_uses_realtime_only_on_openai_with_a_realtime_model() -> None:
    assert speech_api(OPENAI) == "realtime"
    assert speech_api(OPENAI.replace(openai_base_url="https://api.openai.com/v1")) == "realtime"
    assert speech_api(OPENAI.replace(openai_base_url="http://localhost:8880/v1")) == "speech"
    assert speech_api(OPENAI.replace(openai_tts_model="gpt-4o-mini-tts")) == "speech"
    local_realtime = OPENAI.replace(openai_base_url="http://localhost:8880/v1", tts_api="realtime")
    assert speech_api(local_realtime) == "realtime"
    assert speech_api(OPENAI.replace(tts_api="speech")) == "speech"


def test_config_reads_and_checks_the_lifecycle_settings() -> None:
    config = Config.from_env(
        {
            "APP_ENV": "test",
            "TTS_API": "speech",
            "ALLOWED_MODELS": "a, b",
            "MAX_REPLY_TOKENS": "900",
        }
    )
    assert config.tts_api == "speech" and config.allowed_models == ("a", "b")
    assert config.max_reply_tokens == 900
    with pytest.raises(ConfigError, match="TTS_API"):
        Config.from_env({"APP_ENV": "test", "TTS_API": "loud"})


def test_speech_voices_follow_the_active_speech_api() -> None:
    assert "nova" not in speech_voices(OPENAI) and "marin" in speech_voices(OPENAI)
    assert "nova" in speech_voices(OPENAI.replace(tts_api="speech"))


def test_check_agent_choices_refuses_unlisted_models_and_voices() -> None:
    check_agent_choices(OPENAI, LISTING, {"model": "gpt-4o-mini", "voice": "marin"}, {})
    with pytest.raises(InvalidInput) as refused:
        check_agent_choices(OPENAI, LISTING, {"model": "gpt-9-ultra"}, {})
    assert refused.value.field == "model" and "gpt-9-ultra" in refused.value.message
    with pytest.raises(InvalidInput) as voice:
        check_agent_choices(OPENAI, LISTING, {"voice": "nova"}, {})
    assert voice.value.field == "voice"


def test_check_agent_choices_keeps_unchanged_values_and_honours_allow_lists() -> None:
    check_agent_choices(OPENAI, LISTING, {"model": "retired"}, {"model": "retired"})
    strict = OPENAI.replace(allowed_models=("only-this",), allowed_voices=("robot",))
    check_agent_choices(strict, LISTING, {"model": "only-this", "voice": "robot"}, {})
    with pytest.raises(InvalidInput):
        check_agent_choices(strict, LISTING, {"model": "gpt-6-luna"}, {})
    assert allowed_voices(strict) == {"robot"}


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_catalog_reads_at_start_then_at_most_once_per_interval() -> None:
    calls: list[int] = []

    def fetch() -> list[ListedModel]:
        calls.append(1)
        return [ListedModel(f"model-{len(calls)}")]

    clock = Clock()
    catalog = ModelCatalog(fetch, refresh_seconds=3600, first_wait=5, clock=clock)
    catalog.start()
    assert catalog.listing() == [ListedModel("model-1")]
    clock.now = 3599
    assert catalog.listing() == [ListedModel("model-1")] and len(calls) == 1
    clock.now = 3600
    catalog.listing()  # stale: refreshed in the background, the cached listing answers
    _wait_for(lambda: catalog.listing() == [ListedModel("model-2")])
    assert len(calls) == 2


def test_catalog_keeps_the_last_listing_when_a_refresh_fails() -> None:
    results: list[list[ListedModel] | Exception] = [[ListedModel("kept")], RuntimeError("down")]

    def fetch() -> list[ListedModel]:
        result = results.pop(0)
        if isinstance(result, Exception):
            raise result
        return result

    clock = Clock()
    catalog = ModelCatalog(fetch, refresh_seconds=10, first_wait=5, clock=clock)
    assert catalog.listing() == [ListedModel("kept")]
    clock.now = 10
    catalog.listing()
    _wait_for(lambda: not results)
    assert catalog.listing() == [ListedModel("kept")]


def test_catalog_logs_each_warning_once(caplog: pytest.LogCaptureFixture) -> None:
    catalog = ModelCatalog(None, refresh_seconds=10, first_wait=0)
    warnings = model_warnings(LISTING, ["gpt-4o-mini"], TODAY)
    catalog.log_once(warnings)
    catalog.log_once(warnings)
    assert [r.getMessage() for r in caplog.records].count(
        f"model lifecycle: {warnings[0].message}"
    ) == 1


def _wait_for(condition: object, timeout: float = 5.0) -> None:
    done = threading.Event()
    for _ in range(int(timeout / 0.01)):
        if callable(condition) and condition():
            return
        done.wait(0.01)
    raise AssertionError("condition not reached")


@pytest.mark.parametrize(
    ("model", "chat"),
    [
        ("whisper-1", False),
        ("tts-1-hd", False),
        ("gpt-4o-mini-tts", False),
        ("gpt-transcribe", False),
        ("gpt-4o-transcribe", False),
        ("gpt-realtime-2.1-mini", False),
        ("gpt-4o-audio-preview", False),
        ("text-embedding-3-small", False),
        ("dall-e-3", False),
        ("gpt-image-1", False),
        ("omni-moderation-latest", False),
        ("sora-2", False),
        ("gpt-6-luna", True),
        ("gpt-4o-mini", True),
        ("o3-mini", True),
        ("llama3.1:8b", True),
        ("speechless-chat", True),  # a word that only starts like a family's name stays
    ],
)
def test_only_chat_models_are_offered_for_an_agent(model: str, chat: bool) -> None:
    assert is_chat_model(model) is chat
    assert [m.id for m in chat_models([ListedModel(model, None)])] == ([model] if chat else [])
