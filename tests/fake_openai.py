"""A fake OpenAI-compatible server on loopback, for tests, benchmarks and CI.

It speaks enough of the real HTTP API for the official `openai` SDK: chat completions (plain and
streamed), audio transcriptions, speech and embeddings (tests/fake_embeddings.py). Behaviour
is programmable per test: latency, a queue of failures (status codes or hangs), and the reply
text. Run it alone with `python -m tests.fake_openai --port 8099 --latency 0.2`.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import re
import socket
import struct
import threading
import time
import wave
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.fake_embeddings import embeddings_answer
from tests.fake_realtime import RealtimeBehaviour, serve_realtime


@dataclass
class Failure:
    status: int = 500
    hang: float = 0.0  # seconds to sleep before answering (to provoke client timeouts)
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Behaviour:
    latency: float = 0.0
    reply: str | None = None  # None: echo the last user message
    transcript: str = "hello from the fake transcriber"
    failures: dict[str, deque[Failure]] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    stream_chunk_delay: float = 0.0
    # Streamed replies: after this many pieces, send an error event instead of the rest.
    stream_fail_after: int | None = None
    # Streamed replies: seconds between the response headers and the first chunk.
    stream_first_chunk_delay: float = 0.0
    # Speech takes longer for longer text: this many seconds per input character.
    speech_seconds_per_char: float = 0.0
    # Speech: how long the returned clip plays (None: the short default tone).
    speech_clip_seconds: float | None = None
    # Extra latency per endpoint ("chat", "transcriptions", "speech"), added to `latency`.
    endpoint_latency: dict[str, float] = field(default_factory=dict)
    # Off for long benchmarks, so uploads are not kept in memory.
    record_requests: bool = True
    # Streamed replies: send the usage chunk when the client asks (include_usage).
    report_stream_usage: bool = True
    # GET /v1/models (None: the endpoint answers 404, as on servers without it).
    models: list[dict[str, Any]] | None = field(default_factory=lambda: list(LISTED_MODELS))
    models_reads: int = 0
    realtime: RealtimeBehaviour = field(default_factory=RealtimeBehaviour)
    # Function calls to ask for ([{"name", "arguments"}]) when the request offers tools, for
    # `tool_rounds` rounds after the newest user message; then it answers normally.
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    tool_rounds: int = 1

    def fail_next(self, endpoint: str, *failures: Failure) -> None:
        """Make the next calls to `endpoint` ("chat", "transcriptions", "speech",
        "embeddings") fail."""
        self.failures.setdefault(endpoint, deque()).extend(failures)

    def next_failure(self, endpoint: str) -> Failure | None:
        queue = self.failures.get(endpoint)
        return queue.popleft() if queue else None


# What the fake lists by default: the current defaults, two custom models the tests' agents use,
# and retiring models with their announced shutdown dates.
LISTED_MODELS: list[dict[str, Any]] = [
    {"id": "gpt-6-luna", "object": "model", "owned_by": "openai", "shutdown_date": None},
    {"id": "gpt-transcribe", "object": "model", "owned_by": "openai"},
    {"id": "gpt-realtime-2.1-mini", "object": "model", "owned_by": "openai"},
    {"id": "gpt-test", "object": "model", "owned_by": "fake"},
    {"id": "pirate-model", "object": "model", "owned_by": "fake"},
    {"id": "gpt-4o-mini", "object": "model", "owned_by": "openai", "shutdown_date": "2027-01-14"},
    {"id": "whisper-1", "object": "model", "owned_by": "openai", "shutdown_date": "2027-02-26"},
    # Always ten days from today: a shutdown close enough for the urgent notice.
    {"id": "gpt-sunset-preview", "object": "model", "owned_by": "openai",
     "shutdown_date": (datetime.now(UTC).date() + timedelta(days=10)).isoformat()},
]  # fmt: skip


def tone_wav(seconds: float = 0.5, rate: int = 16000) -> bytes:
    """A short sine tone as WAV: stands in for synthesized speech."""
    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate)))
        for i in range(int(seconds * rate))
    )
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    return buffer.getvalue()


SPEECH_WAV = tone_wav()


class Handler(BaseHTTPRequestHandler):
    server: FakeOpenAIServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without TCP_NODELAY, Nagle plus the
        # client's delayed ACK adds ~40 ms to every answer, which would swamp the latency asked for.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        endpoint = self.path.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        behaviour = self.server.behaviour
        if endpoint == "realtime" and self.headers.get("Upgrade", "").lower() == "websocket":
            serve_realtime(self, behaviour.realtime)
        elif endpoint == "models" and behaviour.models is not None:
            behaviour.models_reads += 1
            listed = [{"created": 0, **model} for model in behaviour.models]
            self._json(200, {"object": "list", "data": listed})
        else:
            self._json(404, {"error": {"message": "unknown endpoint"}})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        endpoint = self.path.rstrip("/").rsplit("/", 1)[-1]
        endpoint = "chat" if endpoint == "completions" else endpoint
        behaviour = self.server.behaviour
        record: dict[str, Any] = {"endpoint": endpoint, "headers": dict(self.headers)}
        if endpoint in ("chat", "speech", "embeddings"):
            record["json"] = json.loads(body or b"{}")
        else:
            record["body"] = body
            record["filename"] = multipart_filename(body)
        if endpoint == "behaviour" and self.path.startswith("/_fake/"):
            self._set_behaviour(record["body"])
            return
        if behaviour.record_requests:
            behaviour.requests.append(record)
        delay = behaviour.latency + behaviour.endpoint_latency.get(endpoint, 0.0)
        if delay:
            time.sleep(delay)
        failure = behaviour.next_failure(endpoint)
        if failure is not None:
            if failure.hang:
                time.sleep(failure.hang)
            self._json(
                failure.status,
                {"error": {"message": "fake failure", "type": "fake"}},
                failure.headers,
            )
            return
        if endpoint == "chat":
            self._chat(record["json"])
        elif endpoint == "transcriptions":
            self._json(200, {"text": behaviour.transcript})
        elif endpoint == "embeddings":
            self._json(200, embeddings_answer(record["json"]))
        elif endpoint == "speech":
            time.sleep(behaviour.speech_seconds_per_char * len(record["json"].get("input", "")))
            clip = behaviour.speech_clip_seconds
            self._bytes(200, SPEECH_WAV if clip is None else tone_wav(clip), "audio/wav")
        else:
            self._json(404, {"error": {"message": "unknown endpoint"}})

    def _set_behaviour(self, body: bytes) -> None:
        """`POST /_fake/behaviour` {field: value}: change latencies while running (benchmarks)."""
        behaviour = self.server.behaviour
        changes = json.loads(body or b"{}")
        allowed = {
            "latency",
            "stream_chunk_delay",
            "stream_first_chunk_delay",
            "endpoint_latency",
            "speech_seconds_per_char",
            "reply",
            "transcript",
        }
        realtime = {"realtime_first_chunk_delay", "realtime_chunk_delay"}
        for name, value in changes.items():
            if name in allowed:
                setattr(behaviour, name, value)
            elif name in realtime:  # the Realtime API's pace: before and between audio deltas
                setattr(behaviour.realtime, name.removeprefix("realtime_"), value)
        self._json(200, {name: getattr(behaviour, name) for name in sorted(allowed)})

    def _chat(self, request: dict[str, Any]) -> None:
        behaviour = self.server.behaviour
        last_user = next(
            (m["content"] for m in reversed(request.get("messages", [])) if m["role"] == "user"),
            "",
        )
        reply = behaviour.reply if behaviour.reply is not None else f"Echo: {last_user}"
        model = request.get("model", "fake")
        usage = token_usage(request, reply)
        calls = asked_calls(behaviour, request)
        if calls:
            self._tool_calls(request, calls, model, usage)
            return
        if not request.get("stream"):
            self._json(200, completion(reply, model, usage))
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        words = reply.split(" ")
        for index, word in enumerate(words):
            if index == behaviour.stream_fail_after:
                error = {"error": {"message": "fake failure mid-stream", "type": "server_error"}}
                self._chunk(f"data: {json.dumps(error)}\n\n".encode())
                self._chunk(b"")
                return
            if index == 0 and behaviour.stream_first_chunk_delay:
                time.sleep(behaviour.stream_first_chunk_delay)
            piece = word if index == 0 else " " + word
            self._chunk(f"data: {json.dumps(chunk(piece, model))}\n\n".encode())
            if behaviour.stream_chunk_delay:
                time.sleep(behaviour.stream_chunk_delay)
        asked = (request.get("stream_options") or {}).get("include_usage")
        if asked and behaviour.report_stream_usage:
            self._chunk(f"data: {json.dumps(usage_chunk(model, usage))}\n\n".encode())
        self._chunk(b"data: [DONE]\n\n")
        self._chunk(b"")

    def _tool_calls(
        self, request: dict[str, Any], calls: list[dict[str, Any]], model: str, usage: Any
    ) -> None:
        """Ask for `calls`: one message (plain), or chunks with the arguments in two parts."""
        if not request.get("stream"):
            self._json(200, tool_completion(calls, model, usage))
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for delta in tool_deltas(calls):
            piece = chunk("", model)
            piece["choices"][0]["delta"] = {"tool_calls": [delta]}
            self._chunk(f"data: {json.dumps(piece)}\n\n".encode())
        if (request.get("stream_options") or {}).get("include_usage"):
            self._chunk(f"data: {json.dumps(usage_chunk(model, usage))}\n\n".encode())
        self._chunk(b"data: [DONE]\n\n")
        self._chunk(b"")

    def _chunk(self, data: bytes) -> None:
        try:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self._bytes(status, json.dumps(payload).encode(), "application/json", headers)

    def _bytes(
        self, status: int, data: bytes, mime: str, headers: dict[str, str] | None = None
    ) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", mime)
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass


def multipart_filename(body: bytes) -> str | None:
    """The file name of the first file part of a multipart body (what the SDK uploaded as)."""
    found = re.search(rb'filename="([^"]*)"', body[:4096])
    return found.group(1).decode() if found else None


def token_usage(request: dict[str, Any], reply: str) -> dict[str, int]:
    """Deterministic usage like a real upstream reports it: here, one token per word."""
    prompt = sum(len(str(m.get("content", "")).split()) for m in request.get("messages", []))
    completion_tokens = len(reply.split())
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt + completion_tokens,
    }


def completion(text: str, model: str, usage: dict[str, int] | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
        "usage": usage or {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def asked_calls(behaviour: Behaviour, request: dict[str, Any]) -> list[dict[str, Any]]:
    """The calls to ask for now: tools offered, and fewer tool rounds than `tool_rounds`
    since the newest user message."""
    if not behaviour.tool_calls or not request.get("tools"):
        return []
    rounds = 0
    for message in reversed(request.get("messages", [])):
        if message["role"] == "user":
            break
        rounds += 1 if message["role"] == "assistant" and message.get("tool_calls") else 0
    if rounds >= behaviour.tool_rounds:
        return []
    return [
        {"id": f"call_{rounds}_{index}", **call} for index, call in enumerate(behaviour.tool_calls)
    ]


def wire_call(call: dict[str, Any]) -> dict[str, Any]:
    arguments = call.get("arguments", {})
    text = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return {
        "id": call["id"],
        "type": "function",
        "function": {"name": call["name"], "arguments": text},
    }


def tool_completion(calls: list[dict[str, Any]], model: str, usage: Any) -> dict[str, Any]:
    body = completion("", model, usage)
    body["choices"][0]["message"] = {
        "role": "assistant",
        "content": None,
        "tool_calls": [wire_call(call) for call in calls],
    }
    body["choices"][0]["finish_reason"] = "tool_calls"
    return body


def tool_deltas(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each call as the upstream streams it: id and name first, then its arguments in parts."""
    deltas: list[dict[str, Any]] = []
    for index, call in enumerate(calls):
        wired = wire_call(call)
        text = wired["function"]["arguments"]
        half = len(text) // 2
        deltas.append(
            {
                "index": index,
                "id": wired["id"],
                "type": "function",
                "function": {"name": wired["function"]["name"], "arguments": ""},
            }
        )
        for part in (text[:half], text[half:]):
            deltas.append({"index": index, "function": {"arguments": part}})
    return deltas


def chunk(piece: str, model: str = "fake") -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}],
    }


def usage_chunk(model: str, usage: dict[str, int]) -> dict[str, Any]:
    """The last chunk when the client asked for `stream_options.include_usage`."""
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [],
        "usage": usage,
    }


class FakeOpenAIServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(self, port: int = 0, behaviour: Behaviour | None = None) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.behaviour = behaviour or Behaviour()
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def start(self) -> FakeOpenAIServer:
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--stream-first-chunk-delay", type=float, default=0.0)
    parser.add_argument("--stream-chunk-delay", type=float, default=0.0)
    parser.add_argument(
        "--no-record", action="store_true", help="do not keep requests (long benchmarks)"
    )
    args = parser.parse_args()
    behaviour = Behaviour(
        latency=args.latency,
        stream_first_chunk_delay=args.stream_first_chunk_delay,
        stream_chunk_delay=args.stream_chunk_delay,
        record_requests=not args.no_record,
    )
    server = FakeOpenAIServer(args.port, behaviour)
    print(f"fake OpenAI server on {server.base_url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.server_close()


if __name__ == "__main__":
    main()
