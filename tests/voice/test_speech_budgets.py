"""Speech goes into the usage ledger and budgets: read-aloud is charged its characters before
synthesis (refused once the day's allowance cannot cover it, given back when synthesis
fails), capped per request, and parallel requests never overshoot the allowance. A streamed
reply's sentences are charged the same way, from one reservation settled when it ends."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from quart.typing import TestClientProtocol as VoiceClient

from api.extensions import db
from shared.core.config import Config
from shared.core.models import UsageEvent, UsageKind
from tests.fake_openai import Behaviour, Failure
from tests.voice.conftest import Headers
from tests.voice.test_speech import ask, speech_calls, speech_url
from tests.voice.test_streaming import parse_events

Chat = tuple[Headers, dict[str, Any]]
ALLOWANCE = 300
EVENTS = {"Accept": "text/event-stream"}


@pytest.fixture
def config(config: Config) -> Config:
    """Both services with a small speech allowance and read-aloud cap."""
    return config.replace(quota_guest_speech_chars_per_day=ALLOWANCE, max_speech_chars=2_000)


def spoken_characters(app: Flask) -> list[int]:
    with app.app_context():
        rows = db.session.scalars(
            sa.select(UsageEvent.speech_characters).where(UsageEvent.kind == UsageKind.TTS)
        )
        return [int(chars or 0) for chars in rows]


def allowance(client: FlaskClient, headers: Headers, name: str) -> dict[str, Any]:
    budgets = client.get("/api/usage", headers=headers).json["budgets"]
    return next(b for b in budgets if b["name"] == name)


async def test_read_aloud_is_charged_before_synthesis_and_shown_in_usage(
    voice_client: VoiceClient,
    client: FlaskClient,
    app: Flask,
    guest_chat: Chat,
    upstream: Behaviour,
) -> None:
    reply = f"Spoken once, {uuid.uuid4()}."
    turn = ask(client, guest_chat, upstream, reply)
    url = speech_url(guest_chat, turn["ai_message"]["id"])
    assert (await voice_client.get(url, headers=guest_chat[0])).status_code == 200
    assert (await voice_client.get(url, headers=guest_chat[0])).status_code == 200  # cached
    assert spoken_characters(app) == [len(reply)]
    shown = allowance(client, guest_chat[0], "guest_speech_characters")
    assert shown["unit"] == "characters" and shown["limit"] == ALLOWANCE
    assert shown["used"] == len(reply) and shown["remaining"] == ALLOWANCE - len(reply)
    # (the IP's allowance counts it too, under the voice test client's address)
    assert allowance(client, guest_chat[0], "guest")["unit"] == "tokens"


async def test_read_aloud_beyond_the_allowance_is_refused_without_an_upstream_call(
    voice_client: VoiceClient,
    client: FlaskClient,
    app: Flask,
    guest_chat: Chat,
    upstream: Behaviour,
) -> None:
    turn = ask(client, guest_chat, upstream, "x" * (ALLOWANCE + 1))
    upstream.requests.clear()
    response = await voice_client.get(
        speech_url(guest_chat, turn["ai_message"]["id"]), headers=guest_chat[0]
    )
    assert response.status_code == 429
    body = await response.get_json()
    assert body["errors"]["reason"] == "quota"
    assert body["errors"]["budget"] == "guest_speech_characters"
    assert int(response.headers["Retry-After"]) >= 1
    assert speech_calls(upstream) == [] and spoken_characters(app) == []


async def test_parallel_read_aloud_never_overshoots_the_allowance(
    voice_client: VoiceClient,
    client: FlaskClient,
    app: Flask,
    guest_chat: Chat,
    upstream: Behaviour,
) -> None:
    replies = [ask(client, guest_chat, upstream, f"{i} {'y' * 90}") for i in range(8)]
    urls = [speech_url(guest_chat, turn["ai_message"]["id"]) for turn in replies]
    answers = await asyncio.gather(*(voice_client.get(u, headers=guest_chat[0]) for u in urls))
    statuses = sorted(answer.status_code for answer in answers)
    charged = spoken_characters(app)
    assert sum(charged) <= ALLOWANCE, charged
    assert statuses.count(200) == len(charged) == ALLOWANCE // 92
    assert set(statuses) == {200, 429}


async def test_a_failed_synthesis_gives_its_characters_back(
    voice_client: VoiceClient,
    client: FlaskClient,
    app: Flask,
    guest_chat: Chat,
    upstream: Behaviour,
) -> None:
    turn = ask(client, guest_chat, upstream, "Not spoken.")
    upstream.fail_next("speech", Failure(status=500))
    response = await voice_client.get(
        speech_url(guest_chat, turn["ai_message"]["id"]), headers=guest_chat[0]
    )
    assert response.status_code == 502
    assert spoken_characters(app) == []


async def test_a_message_longer_than_the_cap_is_not_read_aloud(
    voice_client: VoiceClient, client: FlaskClient, user_chat: Chat, upstream: Behaviour
) -> None:
    turn = ask(client, user_chat, upstream, "z" * 2_001)
    upstream.requests.clear()
    response = await voice_client.get(
        speech_url(user_chat, turn["ai_message"]["id"]), headers=user_chat[0]
    )
    assert response.status_code == 422
    assert (await response.get_json())["errors"]["reason"] == "too_long"
    assert speech_calls(upstream) == []


def sentence(n: int) -> str:
    return f"Sentence {n} " + "word " * 11 + "done."  # 71 characters


async def streamed_events(post_audio: Any, chat: Chat) -> list[tuple[str, dict[str, Any]]]:
    response = await post_audio(chat[1]["id"], chat[0], extra_headers=EVENTS)
    assert response.status_code == 200, await response.get_data()
    return parse_events((await response.get_data()).decode())


async def test_a_streamed_reply_is_charged_what_it_spoke_in_one_ledger_row(
    post_audio: Any, client: FlaskClient, app: Flask, guest_chat: Chat, upstream: Behaviour
) -> None:
    upstream.reply = " ".join(sentence(n) for n in range(1, 4))
    events = await streamed_events(post_audio, guest_chat)

    assert [d["seq"] for n, d in events if n == "audio"] == [1, 2, 3]
    # One reservation for the reply (not a check a sentence), settled to what was spoken.
    assert spoken_characters(app) == [3 * 71]
    assert allowance(client, guest_chat[0], "guest_speech_characters")["used"] == 3 * 71


async def test_a_streamed_reply_beyond_the_allowance_speaks_what_fits_and_charges_only_that(
    post_audio: Any, app: Flask, guest_chat: Chat, upstream: Behaviour
) -> None:
    upstream.reply = " ".join(sentence(n) for n in range(1, 6))  # 5 x 71 > 300
    events = await streamed_events(post_audio, guest_chat)

    assert [d["seq"] for n, d in events if n == "audio"] == [1, 2, 3, 4]  # 284 of 300
    assert [d["seq"] for n, d in events if n == "audio_error"] == [5]
    name, done = events[-1]
    assert name == "done" and done["unspoken"] == [5]
    assert done["speech_error"]["code"] == 429
    assert "speech allowance" in done["speech_error"]["message"]
    assert sum(spoken_characters(app)) == 4 * 71  # the reservation's rest given back
    assert len(speech_calls(upstream)) == 4  # the refused sentence never reached upstream


async def test_a_streamed_sentence_that_fails_is_given_back(
    post_audio: Any, app: Flask, guest_chat: Chat, upstream: Behaviour
) -> None:
    upstream.reply = " ".join(sentence(n) for n in range(1, 3))
    upstream.fail_next("speech", Failure(status=500))
    events = await streamed_events(post_audio, guest_chat)

    failed = [d["seq"] for n, d in events if n == "audio_error"]
    assert len(failed) == 1 and len([n for n, _ in events if n == "audio"]) == 1
    assert spoken_characters(app) == [71]
