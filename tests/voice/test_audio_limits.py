"""MAX_AUDIO_SECONDS: long recordings (decompression bombs included) are refused before any
provider call, nothing is stored, and a worker's memory stays flat while refusing them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from flask.testing import FlaskClient

from shared.core.config import Config
from shared.media.audio import RecordingTooLong, decode_pcm
from tests.fake_openai import Behaviour
from tests.voice.audio import FORMATS, recording, tone_pcm
from tests.voice.bombs import BLOCK, RATE, silent_flac
from tests.voice.conftest import Headers, stored_messages
from tests.voice.worker import MIB, Worker, voice_worker

__all__ = ["voice_worker"]
TEN_HOURS = 10 * 3600


async def assert_refused_as_too_long(response: Any, limit: str = "120-second") -> None:
    assert response.status_code == 413
    body = await response.get_json()
    assert f"{limit} limit" in body["message"]
    assert body["errors"]["reason"] == "audio_too_long"


@pytest.mark.parametrize("declared", [True, False], ids=["declared", "undeclared"])
async def test_create_voice_message_ten_hour_flac_refused_before_stt(
    post_audio: Callable[..., Any],
    user_chat: tuple[Headers, dict[str, Any]],
    upstream: Behaviour,
    client: FlaskClient,
    declared: bool,
) -> None:
    headers, chat = user_chat
    bomb = silent_flac(TEN_HOURS, declare_length=declared)
    assert len(bomb) < 100_000

    response = await post_audio(chat["id"], headers, data=bomb, filename="a.flac")

    await assert_refused_as_too_long(response)
    assert upstream.requests == []  # never sent to (and billed by) the STT provider
    assert stored_messages(client, chat["id"], headers) == []


class TestShortLimit:
    """MAX_AUDIO_SECONDS=1: a 1.6-second tone is refused whatever the container."""

    @pytest.fixture
    def voice_config(self, config: Config) -> Config:
        return config.replace(max_audio_seconds=1.0)

    @pytest.mark.parametrize("name", sorted(FORMATS))
    async def test_create_voice_message_over_max_audio_seconds_refused_in_every_format(
        self,
        post_audio: Callable[..., Any],
        user_chat: tuple[Headers, dict[str, Any]],
        upstream: Behaviour,
        name: str,
    ) -> None:
        headers, chat = user_chat
        data = recording(name, tone_pcm(seconds=1.6))
        filename = f"a.{FORMATS[name][2]}"

        response = await post_audio(chat["id"], headers, data=data, filename=filename)

        await assert_refused_as_too_long(response, "1-second")
        assert upstream.requests == []


async def test_create_voice_message_within_max_audio_seconds_is_answered(
    post_audio: Callable[..., Any], user_chat: tuple[Headers, dict[str, Any]]
) -> None:
    headers, chat = user_chat
    response = await post_audio(chat["id"], headers, data=recording("flac"), filename="a.flac")
    assert response.status_code == 201


def test_decode_pcm_stops_at_its_sample_budget() -> None:
    bomb = silent_flac(TEN_HOURS, declare_length=False)
    with pytest.raises(RecordingTooLong):
        decode_pcm(bomb, 16000, max_seconds=120)
    pcm = decode_pcm(silent_flac(20), 16000, max_seconds=120)
    assert len(pcm) / 2 / 16000 == pytest.approx(2 * BLOCK / RATE)


def test_voice_worker_memory_stays_flat_while_refusing_audio_bombs(
    voice_worker: Worker, user_chat: tuple[Headers, dict[str, Any]]
) -> None:
    headers, chat = user_chat
    url = f"{voice_worker.base_url}/voice/chats/{chat['id']}/messages"
    bombs = [silent_flac(TEN_HOURS, declare_length=False), silent_flac(TEN_HOURS)]
    before = voice_worker.peak_rss()
    for bomb in bombs * 2:
        response = httpx.post(url, headers=headers, files={"audio": ("a.flac", bomb)}, timeout=60)
        assert response.status_code == 413, response.text
    grown = voice_worker.peak_rss() - before
    print(f"voice worker peak RSS grew {grown / MIB:.1f} MiB refusing 4 ten-hour recordings")
    assert grown < 100 * MIB
