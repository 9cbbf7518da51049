#!/usr/bin/env python3
"""The HTTP checks bin/image-check runs against the image's containers (from the host).

  image_probe.py single --api URL --voice URL --audio WAV
      both healths, a guest text turn, a streamed turn, a voice turn, and a knowledge file
      ingested by the worker (only when the api's OpenAPI lists the files API).
  image_probe.py replicas --proxy URL --api URL URL --voice URL URL --fake URL
      through the proxy and across replicas: a reply started on one voice replica followed and
      stopped from the other, a rate limit and a token budget shared by every replica.
Prints one line per check; exits 1 at the first failure.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

TIMEOUT = httpx.Timeout(30.0, connect=5.0)


class CheckFailed(Exception):
    pass


def ok(message: str) -> None:
    print(f"  ok   {message}", flush=True)


def expect(response: httpx.Response, status: int, what: str) -> Any:
    if response.status_code != status:
        got = f"{response.status_code} (expected {status})"
        raise CheckFailed(f"{what}: {got}: {response.text[:300]}")
    return response.json() if "json" in response.headers.get("content-type", "") else None


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def guest_token(client: httpx.Client, api: str) -> str:
    return str(expect(client.post(f"{api}/api/auth/guest"), 201, "guest token")["access_token"])


def user_token(client: httpx.Client, api: str) -> str:
    """A fresh registered user (unique per run, so per-user limits start at zero)."""
    creds = {"username": f"img_{uuid.uuid4().hex[:10]}", "password": "image-check-password-1"}
    expect(client.post(f"{api}/api/auth/register", json=creds), 201, "register")
    login = expect(client.post(f"{api}/api/auth/login", json=creds), 200, "login")
    return str(login["access_token"])


def public_agent(client: httpx.Client, api: str, token: str) -> int:
    body = expect(client.get(f"{api}/api/agents", headers=bearer(token)), 200, "list agents")
    agents = body if isinstance(body, list) else body.get("items", body.get("agents", []))
    if not agents:
        raise CheckFailed("no public agent after migrations")
    return int(agents[0]["id"])


def new_chat(client: httpx.Client, api: str, token: str, agent_id: int | None = None) -> int:
    agent_id = agent_id or public_agent(client, api, token)
    url = f"{api}/api/agents/{agent_id}/chats"
    body = {"title": "image check"}
    return int(expect(client.post(url, json=body, headers=bearer(token)), 201, "new chat")["id"])


def text_turn(client: httpx.Client, api: str, token: str, chat: int, text: str) -> httpx.Response:
    url = f"{api}/api/chats/{chat}/messages"
    return client.post(url, json={"content": text}, headers=bearer(token))


def sse(lines: Iterator[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(event, data) pairs of a server-sent event stream."""
    name, data = "message", ""
    for line in lines:
        if line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data += line[5:].strip()
        elif not line and data:
            yield name, json.loads(data)
            name, data = "message", ""


def stream_turn(client: httpx.Client, voice: str, token: str, chat: int, text: str) -> str:
    url = f"{voice}/voice/chats/{chat}/messages/stream"
    events: list[tuple[str, dict[str, Any]]] = []
    with client.stream("POST", url, json={"content": text}, headers=bearer(token)) as response:
        if response.status_code != 200:
            raise CheckFailed(f"streamed turn: {response.status_code}: {response.read()[:300]!r}")
        events = list(sse(response.iter_lines()))
    names = [name for name, _ in events]
    if "delta" not in names or names[-1] != "done":
        raise CheckFailed(f"streamed turn: events {names}")
    return "".join(data["content"] for name, data in events if name == "delta")


def check_health(client: httpx.Client, api: str, voice: str) -> None:
    expect(client.get(f"{api}/api/health"), 200, "api health")
    expect(client.get(f"{voice}/voice/health"), 200, "voice health")
    ok(f"health: {api}/api/health and {voice}/voice/health answer 200")


def check_turns(client: httpx.Client, api: str, voice: str, audio: Path) -> None:
    token = guest_token(client, api)
    chat = new_chat(client, api, token)
    turn = expect(text_turn(client, api, token, chat, "hello image"), 201, "guest text turn")
    if "hello image" not in turn["ai_message"]["content"]:
        raise CheckFailed(f"guest text turn: unexpected reply {turn['ai_message']}")
    ok(f"guest text turn: {turn['ai_message']['content']!r}")
    streamed = stream_turn(client, voice, token, chat, "stream this reply please")
    ok(f"streamed turn through the fake upstream: {streamed!r}")
    files = {"audio": ("sample.wav", audio.read_bytes(), "audio/wav")}
    url = f"{voice}/voice/chats/{chat}/messages"
    headers = {**bearer(token), "Accept": "application/json"}
    spoken = expect(client.post(url, files=files, headers=headers), 201, "voice turn")
    if not spoken.get("audio_base64"):
        raise CheckFailed("voice turn: no audio in the answer")
    heard = spoken["user_message"]["content"]
    ok(f"voice turn: heard {heard!r}, spoke {spoken['audio_mime_type']}")


def check_knowledge(client: httpx.Client, api: str, timeout: float) -> None:
    """A text file uploaded by an agent's owner must reach `ready` through the worker."""
    token = user_token(client, api)
    agent = {"name": "Image check", "prompt": "Answer from the files."}
    made = client.post(f"{api}/api/agents", json=agent, headers=bearer(token))
    agent_id = expect(made, 201, "create an agent")["id"]
    text = b"The image check's secret word is heliotrope.\n"
    files = {"file": ("facts.txt", text, "text/plain")}
    url = f"{api}/api/agents/{agent_id}/files"
    created = expect(client.post(url, files=files, headers=bearer(token)), 202, "upload a file")
    deadline, state = time.monotonic() + timeout, created
    while state["status"] != "ready":
        if state["status"] == "failed" or time.monotonic() > deadline:
            raise CheckFailed(f"knowledge file never ready: {state}")
        time.sleep(1)
        state = expect(client.get(f"{url}/{created['id']}", headers=bearer(token)), 200, "file")
    ok(f"knowledge: the worker ingested facts.txt ({state.get('chunks')} chunks, status ready)")


def single(args: argparse.Namespace) -> None:
    with httpx.Client(timeout=TIMEOUT) as client:
        check_health(client, args.api, args.voice)
        check_turns(client, args.api, args.voice, Path(args.audio))
        check_knowledge(client, args.api, args.knowledge_timeout)


def main() -> int:
    # Imported here: replicas.py is this script's second half (kept apart for its length).
    from image_replicas import replicas

    parser = argparse.ArgumentParser(description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("single")
    one.add_argument("--api", required=True)
    one.add_argument("--voice", required=True)
    one.add_argument("--audio", required=True)
    one.add_argument("--knowledge-timeout", type=float, default=60.0)
    many = commands.add_parser("replicas")
    many.add_argument("--proxy", required=True)
    many.add_argument("--api", nargs=2, required=True)
    many.add_argument("--voice", nargs=2, required=True)
    many.add_argument("--fake", required=True)
    many.add_argument("--rate", type=int, required=True, help="RATE_LIMIT_REPLIES per minute")
    args = parser.parse_args()
    try:
        single(args) if args.command == "single" else replicas(args)
    except (CheckFailed, httpx.HTTPError) as exc:
        print(f"  FAIL {exc}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
