"""The replica checks of bin/lib/image_probe.py: two api and two voice containers behind nginx.

What must hold across replicas (see docs/deployment.md): a reply started on one voice replica is
followed (`/events`) and stopped from the other (live replies through Redis); a rate limit is
counted once for all replicas (Redis); a token budget is spent once for all replicas (database).
"""

from __future__ import annotations

import argparse
import threading
import time
from typing import Any

import httpx
from image_probe import (
    TIMEOUT,
    CheckFailed,
    bearer,
    check_health,
    expect,
    guest_token,
    new_chat,
    ok,
    sse,
    text_turn,
    user_token,
)

# A reply of this many words, one word every STREAM_DELAY seconds: long enough to follow and stop.
LONG_REPLY_WORDS = 40
STREAM_DELAY = 0.25


def through_proxy(client: httpx.Client, proxy: str) -> None:
    check_health(client, proxy, proxy)
    token = guest_token(client, proxy)
    chat = new_chat(client, proxy, token)
    expect(text_turn(client, proxy, token, chat, "through the proxy"), 201, "turn via the proxy")
    ok("proxy: a guest text turn through nginx")


def start_stream(
    client: httpx.Client, voice: str, token: str, chat: int, seen: dict[str, Any]
) -> threading.Thread:
    """Start a streamed reply on `voice` in a thread; `seen` gets its message id and events."""

    def run() -> None:
        url = f"{voice}/voice/chats/{chat}/messages/stream"
        words = " ".join(f"word{i}" for i in range(LONG_REPLY_WORDS))
        with client.stream("POST", url, json={"content": words}, headers=bearer(token)) as response:
            seen["status"] = response.status_code
            seen["message_id"] = response.headers.get("X-AI-Message-Id")
            seen["started"].set()
            seen["events"] = [name for name, _ in sse(response.iter_lines())]

    seen["started"] = threading.Event()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    if not seen["started"].wait(30) or seen.get("status") != 200 or not seen.get("message_id"):
        raise CheckFailed(f"stream on replica A did not start: {seen}")
    return thread


def follow_and_stop(client: httpx.Client, args: argparse.Namespace) -> None:
    api, (voice_a, voice_b) = args.api[0], args.voice
    token = user_token(client, api)
    chat = new_chat(client, api, token)
    slow = {"stream_chunk_delay": STREAM_DELAY}
    expect(client.post(f"{args.fake_root}/_fake/behaviour", json=slow), 200, "slow the fake")
    try:
        seen: dict[str, Any] = {}
        writer = start_stream(client, voice_a, token, chat, seen)
        message = f"{voice_b}/voice/chats/{chat}/messages/{seen['message_id']}"
        followed: list[str] = []
        ended: dict[str, Any] = {}
        with client.stream("GET", f"{message}/events", headers=bearer(token)) as events:
            expect_status(events, 200, "follow on replica B")
            for name, data in sse(events.iter_lines()):
                followed.append(name)
                if name == "delta" and followed.count("delta") == 2:
                    stop = client.post(f"{message}/stop", headers=bearer(token))
                    stopped = expect(stop, 200, "stop on replica B")
                    ok(f"stop on replica B: the reply ends {stopped['status']!r}")
                    if stopped["status"] != "stopped":
                        raise CheckFailed(f"stop: status {stopped['status']}")
                if name in ("done", "error"):
                    ended = data.get("ai_message", data)
                    break
        writer.join(LONG_REPLY_WORDS * STREAM_DELAY)
        if writer.is_alive():
            raise CheckFailed("the stream on replica A went on after the stop")
    finally:
        client.post(f"{args.fake_root}/_fake/behaviour", json={"stream_chunk_delay": 0})
    words = len(str(ended.get("content", "")).split())
    if ended.get("status") != "stopped" or words >= LONG_REPLY_WORDS:
        raise CheckFailed(f"follow on replica B ended with {ended}")
    ok(
        f"follow: a reply started on voice replica A, followed on B ({followed.count('delta')} "
        f"deltas, then {followed[-1]!r}), stopped from B after {words} of {LONG_REPLY_WORDS} words"
    )


def expect_status(response: httpx.Response, status: int, what: str) -> None:
    if response.status_code != status:
        raise CheckFailed(f"{what}: {response.status_code}: {response.read()[:300]!r}")


def shared_rate_limit(client: httpx.Client, args: argparse.Namespace) -> None:
    """`--rate` replies a minute for a user, counted once across both api replicas."""
    token = user_token(client, args.api[0])
    chat = new_chat(client, args.api[0], token)
    for turn in range(args.rate):
        replica = args.api[turn % 2]
        expect(text_turn(client, replica, token, chat, f"turn {turn}"), 201, f"turn {turn + 1}")
    over = text_turn(client, args.api[args.rate % 2], token, chat, "one too many")
    body = expect(over, 429, f"turn {args.rate + 1} (over the shared limit)")
    ok(
        f"rate limit shared: {args.rate} turns alternating api replicas A and B, then 429 "
        f"(Retry-After {over.headers.get('Retry-After')}, {body['message']!r})"
    )


def shared_budget(client: httpx.Client, args: argparse.Namespace) -> None:
    """A guest budget of one token a day: the first turn spends it on A, B then refuses."""
    (api_a, api_b), voice_b = args.api, args.voice[1]
    token = guest_token(client, api_a)
    chat = new_chat(client, api_a, token)
    expect(text_turn(client, api_a, token, chat, "spend the budget"), 201, "guest turn on A")
    refused = expect(text_turn(client, api_b, token, chat, "again"), 429, "guest turn on B")
    reason = (refused.get("errors") or {}).get("reason")
    if reason != "quota":
        raise CheckFailed(f"budget: refused for {reason!r}, not the budget")
    url = f"{voice_b}/voice/chats/{chat}/messages/stream"
    body = {"content": "and here?"}
    with client.stream("POST", url, json=body, headers=bearer(token)) as streamed:
        expect_status(streamed, 429, "guest streamed turn on voice B")
    ok("budget shared: a guest's day budget spent on api A is refused on api B and voice B (429)")


def replicas(args: argparse.Namespace) -> None:
    args.fake_root = args.fake.removesuffix("/v1")
    started = time.monotonic()
    with httpx.Client(timeout=TIMEOUT) as client:
        for api, voice in zip(args.api, args.voice, strict=True):
            check_health(client, api, voice)
        through_proxy(client, args.proxy)
        follow_and_stop(client, args)
        shared_rate_limit(client, args)
        shared_budget(client, args)
    ok(f"replica checks took {time.monotonic() - started:.1f} s")
