"""Read aloud: any message of the caller's chat, spoken in full, cached for replays."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import av
import pytest
from flask.testing import FlaskClient
from quart.typing import TestClientProtocol as VoiceClient

from shared.core.config import Config
from tests.fake_openai import Behaviour, Failure
from tests.voice.conftest import Headers

Chat = tuple[Headers, dict[str, Any]]


def speech_calls(upstream: Behaviour) -> list[dict[str, Any]]:
    return [r for r in upstream.requests if r["endpoint"] == "speech"]


def ask(client: FlaskClient, chat: Chat, upstream: Behaviour, reply: str) -> dict[str, Any]:
    headers, found = chat
    upstream.reply = reply
    response = client.post(
        f"/api/chats/{found['id']}/messages", json={"content": "Say something"}, headers=headers
    )
    assert response.status_code == 201, response.json
    return dict(response.json)


def speech_url(chat: Chat, message_id: int) -> str:
    return f"/voice/chats/{chat[1]['id']}/messages/{message_id}/speech"


def seconds_of(data: bytes) -> float:
    import io

    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        samples = sum(frame.samples for frame in container.decode(stream))
        return samples / stream.rate


async def test_read_aloud_an_ai_message_then_replay_from_cache(
    voice_client: VoiceClient, client: FlaskClient, user_chat: Chat, upstream: Behaviour
) -> None:
    turn = ask(client, user_chat, upstream, f"A reply to read aloud, {uuid.uuid4()}.")
    url = speech_url(user_chat, turn["ai_message"]["id"])
    upstream.requests.clear()

    first = await voice_client.get(url, headers=user_chat[0])
    second = await voice_client.get(url, headers=user_chat[0])

    assert first.status_code == 200 and second.status_code == 200
    assert first.headers["X-Speech-Cache"] == "miss"
    assert second.headers["X-Speech-Cache"] == "hit"
    assert await first.get_data() == await second.get_data()
    assert first.mimetype.startswith("audio/")
    assert seconds_of(await first.get_data()) > 0.1
    assert len(speech_calls(upstream)) == 1  # the replay cost no second synthesis
    assert speech_calls(upstream)[0]["json"]["input"] == turn["ai_message"]["content"]


async def test_read_aloud_the_users_own_message(
    voice_client: VoiceClient, client: FlaskClient, user_chat: Chat, upstream: Behaviour
) -> None:
    turn = ask(client, user_chat, upstream, "Fine.")
    upstream.requests.clear()
    response = await voice_client.get(
        speech_url(user_chat, turn["user_message"]["id"]), headers=user_chat[0]
    )
    assert response.status_code == 200
    assert speech_calls(upstream)[0]["json"]["input"] == "Say something"


async def test_read_aloud_a_long_message_in_full(
    voice_client: VoiceClient, client: FlaskClient, user_chat: Chat, upstream: Behaviour
) -> None:
    sentence = "This sentence is part of a very long answer that must be spoken in full. "
    turn = ask(client, user_chat, upstream, sentence * 80 + str(uuid.uuid4()))  # > 4,096 chars
    upstream.requests.clear()
    response = await voice_client.get(
        speech_url(user_chat, turn["ai_message"]["id"]), headers=user_chat[0]
    )
    assert response.status_code == 200
    calls = speech_calls(upstream)
    assert len(calls) >= 2
    content = turn["ai_message"]["content"]
    parts = [call["json"]["input"] for call in calls]  # synthesised at once: any arrival order
    assert all(part in content for part in parts)
    assert " ".join(sorted(parts, key=content.index)).split() == content.split()
    one_clip = 0.5  # the fake speaks every call as a 0.5 s tone
    assert seconds_of(await response.get_data()) == pytest.approx(one_clip * len(calls), rel=0.05)


MARKDOWN_REPLY = """## Two steps

Run **this** once, as [the guide](https://example.com/guide) says:

```sh
make run
```

1. Open the `web` page
2. Say *hello*"""


async def test_read_aloud_speaks_only_the_words_of_markdown(
    voice_client: VoiceClient, client: FlaskClient, user_chat: Chat, upstream: Behaviour
) -> None:
    turn = ask(client, user_chat, upstream, f"{MARKDOWN_REPLY} {uuid.uuid4()}")
    upstream.requests.clear()
    response = await voice_client.get(
        speech_url(user_chat, turn["ai_message"]["id"]), headers=user_chat[0]
    )
    assert response.status_code == 200
    spoken = " ".join(call["json"]["input"] for call in speech_calls(upstream))
    assert spoken.startswith(
        "Two steps. Run this once, as the guide says: Open the web page. Say hello "
    )
    for shown_only in ("make run", "```", "**", "https://", "#", "`", "1."):
        assert shown_only not in spoken


async def test_read_aloud_of_code_alone_is_refused(
    voice_client: VoiceClient, client: FlaskClient, user_chat: Chat, upstream: Behaviour
) -> None:
    turn = ask(client, user_chat, upstream, f"```python\nprint('{uuid.uuid4()}')\n```")
    upstream.requests.clear()
    response = await voice_client.get(
        speech_url(user_chat, turn["ai_message"]["id"]), headers=user_chat[0]
    )
    assert response.status_code == 422
    body = await response.get_json()
    assert body["errors"]["reason"] == "nothing_to_speak"
    assert "nothing to read aloud" in body["message"]
    assert speech_calls(upstream) == []


async def test_read_aloud_refuses_other_callers_and_other_chats(
    voice_client: VoiceClient,
    client: FlaskClient,
    user_chat: Chat,
    upstream: Behaviour,
    register: Callable[..., dict[str, Any]],
    guest_headers: Headers,
    new_chat: Callable[..., dict[str, Any]],
) -> None:
    turn = ask(client, user_chat, upstream, "Private words.")
    message_id = turn["ai_message"]["id"]
    bob = register("bob")["headers"]
    other_chat = new_chat(user_chat[0])
    upstream.requests.clear()

    for headers in (bob, guest_headers):
        response = await voice_client.get(speech_url(user_chat, message_id), headers=headers)
        assert response.status_code == 404
        assert (await response.get_json())["code"] == 404
    wrong_chat = await voice_client.get(
        f"/voice/chats/{other_chat['id']}/messages/{message_id}/speech", headers=user_chat[0]
    )
    missing = await voice_client.get(speech_url(user_chat, message_id + 999), headers=user_chat[0])
    anonymous = await voice_client.get(speech_url(user_chat, message_id))
    assert wrong_chat.status_code == 404 and missing.status_code == 404
    assert anonymous.status_code == 401
    assert speech_calls(upstream) == []


async def test_read_aloud_when_speech_fails_says_so(
    voice_client: VoiceClient, client: FlaskClient, user_chat: Chat, upstream: Behaviour
) -> None:
    turn = ask(client, user_chat, upstream, f"Unlucky {uuid.uuid4()}.")
    upstream.fail_next("speech", Failure(status=500))
    url = speech_url(user_chat, turn["ai_message"]["id"])
    failed = await voice_client.get(url, headers=user_chat[0])
    assert failed.status_code == 502
    assert (await failed.get_json())["errors"]["stage"] == "tts"
    again = await voice_client.get(url, headers=user_chat[0])
    assert again.status_code == 200 and again.headers["X-Speech-Cache"] == "miss"


@pytest.fixture
def redis_config(config: Config) -> Config:
    return config.replace(redis_url="redis://127.0.0.1:6379/9")


async def test_read_aloud_cache_is_shared_by_workers_through_redis(
    redis_config: Config, client: FlaskClient, user_chat: Chat, upstream: Behaviour
) -> None:
    from voice import create_app

    turn = ask(client, user_chat, upstream, f"Shared between workers {uuid.uuid4()}.")
    url = speech_url(user_chat, turn["ai_message"]["id"])
    upstream.requests.clear()
    states = []
    for _ in range(2):  # two app instances stand in for two worker processes
        worker = create_app(redis_config)
        async with worker.test_app():
            response = await worker.test_client().get(url, headers=user_chat[0])
            assert response.status_code == 200
            states.append(response.headers["X-Speech-Cache"])
    assert states == ["miss", "hit"]
    assert len(speech_calls(upstream)) == 1
