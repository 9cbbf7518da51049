"""The Realtime API's WebSocket protocol, for the fake upstream in `tests/fake_openai.py`.

`GET /v1/realtime?model=...` with `Upgrade: websocket` opens a session that understands
`session.update`, `conversation.item.create` and `response.create` (in the conversation or out
of band with its own `input`), and answers a response with `response.output_audio.delta`
events carrying 24 kHz PCM (a tone lasting `seconds_per_char` per character of the text), then
`response.output_audio.done` and `response.done`. Failures are queued per session: a refused
key (HTTP 401 at the handshake), a server error event, a dropped socket (after some audio), a
hang (no answer: the client's timeout) and a slow stream.

The framing is the `websockets` library's sans-I/O protocol on the handler's own socket.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import math
import socket
import threading
import time
from array import array
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from websockets.frames import Frame, Opcode
from websockets.protocol import Protocol, Side

if TYPE_CHECKING:
    from tests.fake_openai import Handler

RATE = 24000
CHUNK_SAMPLES = RATE // 10  # 100 ms of audio per delta
WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
FailureKind = Literal["refuse", "unavailable", "server_error", "drop", "hang"]


@dataclass
class RealtimeFailure:
    kind: FailureKind
    after_chunks: int = 0  # "drop": audio deltas sent before the socket goes away
    seconds: float = 5.0  # "hang": how long nothing is answered


@dataclass
class RealtimeBehaviour:
    seconds_per_char: float = 0.01
    chunk_delay: float = 0.0  # a slow stream: seconds between audio deltas
    first_chunk_delay: float = 0.0  # seconds before a response's first audio delta
    # When set, the rest of a response waits after its first delta until the event is set.
    hold_after_first_chunk: threading.Event | None = None
    failures: deque[RealtimeFailure] = field(default_factory=deque)
    # Every session's client events, in order (one list per WebSocket connection).
    sessions: list[list[dict[str, Any]]] = field(default_factory=list)
    handshakes: list[dict[str, str]] = field(default_factory=list)

    def fail_next(self, *failures: RealtimeFailure) -> None:
        self.failures.extend(failures)

    def spoken_texts(self) -> list[str]:
        """The text of every response asked for, across sessions, in order."""
        return [
            text
            for session in self.sessions
            for event in session
            if event.get("type") == "response.create"
            for text in [_response_text(event, session)]
        ]


def expected_seconds(text: str, seconds_per_char: float = 0.01) -> float:
    return _samples(text, seconds_per_char) / RATE


def _samples(text: str, seconds_per_char: float) -> int:
    return max(1, round(len(text) * seconds_per_char * RATE))


ONE_SECOND = array("h", (int(7000 * math.sin(2 * math.pi * 220 * i / RATE)) for i in range(RATE)))


def tone_pcm(samples: int) -> bytes:
    repeated = ONE_SECOND * (samples // RATE + 1)
    return repeated[:samples].tobytes()


def serve_realtime(handler: Handler, behaviour: RealtimeBehaviour) -> None:
    """Answer the upgrade request `handler` holds and run one session on its socket."""
    headers = {key.lower(): value for key, value in handler.headers.items()}
    behaviour.handshakes.append({"path": handler.path, **headers})
    failure = behaviour.failures.popleft() if behaviour.failures else None
    if failure is not None and failure.kind in ("refuse", "unavailable"):
        status = 401 if failure.kind == "refuse" else 503
        error = {"error": {"message": "fake refusal", "type": "invalid_request_error"}}
        handler._json(status, error)
        return
    accept = base64.b64encode(
        hashlib.sha1((headers["sec-websocket-key"] + WEBSOCKET_GUID).encode()).digest()
    ).decode()
    handler.send_response(101)
    handler.send_header("Upgrade", "websocket")
    handler.send_header("Connection", "Upgrade")
    handler.send_header("Sec-WebSocket-Accept", accept)
    handler.end_headers()
    handler.close_connection = True
    session: list[dict[str, Any]] = []
    behaviour.sessions.append(session)
    Session(handler, behaviour, failure, session).run()


class Session:
    def __init__(
        self,
        handler: Handler,
        behaviour: RealtimeBehaviour,
        failure: RealtimeFailure | None,
        events: list[dict[str, Any]],
    ) -> None:
        self.handler = handler
        self.behaviour = behaviour
        self.failure = failure
        self.events = events
        self.protocol = Protocol(Side.SERVER)
        self.pending: deque[dict[str, Any]] = deque()

    def run(self) -> None:
        self.send({"type": "session.created", "session": {"type": "realtime"}})
        while (event := self.receive()) is not None:
            self.events.append(event)
            if not self.answer(event):
                return

    def answer(self, event: dict[str, Any]) -> bool:
        """Answer one client event; False once the session is over."""
        kind = event.get("type")
        if kind == "session.update":
            self.send({"type": "session.updated", "session": event.get("session", {})})
        elif kind == "conversation.item.create":
            self.send({"type": "conversation.item.added", "item": event.get("item", {})})
        elif kind == "response.create":
            return self.respond(_response_text(event, self.events))
        return True

    def respond(self, text: str) -> bool:
        failure, self.failure = self.failure, None
        if failure is not None and failure.kind == "hang":
            time.sleep(failure.seconds)
            return False
        if failure is not None and failure.kind == "server_error":
            self.send({"type": "error", "error": {"type": "server_error", "message": "fake"}})
            return True
        self.send({"type": "response.created", "response": {"status": "in_progress"}})
        pcm = tone_pcm(_samples(text, self.behaviour.seconds_per_char))
        step = CHUNK_SAMPLES * 2
        if self.behaviour.first_chunk_delay:
            time.sleep(self.behaviour.first_chunk_delay)
        for index, start in enumerate(range(0, len(pcm), step)):
            if failure is not None and failure.kind == "drop" and index == failure.after_chunks:
                self.drop()
                return False
            delta = base64.b64encode(pcm[start : start + step]).decode()
            self.send({"type": "response.output_audio.delta", "delta": delta})
            if index == 0 and self.behaviour.hold_after_first_chunk is not None:
                self.behaviour.hold_after_first_chunk.wait(10)
            if self.behaviour.chunk_delay:
                time.sleep(self.behaviour.chunk_delay)
        if failure is not None and failure.kind == "drop":
            self.drop()
            return False
        self.send({"type": "response.output_audio.done"})
        self.send({"type": "response.done", "response": {"status": "completed"}})
        return True

    def send(self, event: dict[str, Any]) -> None:
        self.protocol.send_text(json.dumps(event).encode())
        self.flush()

    def flush(self) -> None:
        try:
            for data in self.protocol.data_to_send():
                self.handler.wfile.write(data)
            self.handler.wfile.flush()
        except OSError:
            pass

    def drop(self) -> None:
        """Go away without a closing handshake, as a lost connection does."""
        with contextlib.suppress(OSError):
            self.handler.connection.shutdown(socket.SHUT_RDWR)

    def receive(self) -> dict[str, Any] | None:
        """The next client event (JSON text frame), or None once the client has closed."""
        while not self.pending:
            try:
                data = self.handler.rfile.read1(65536)
            except OSError:
                return None
            if not data:
                return None
            self.protocol.receive_data(data)
            for frame in self.protocol.events_received():
                assert isinstance(frame, Frame)
                if frame.opcode == Opcode.TEXT:
                    self.pending.append(json.loads(bytes(frame.data)))
                elif frame.opcode == Opcode.CLOSE:
                    self.flush()
                    return None
            self.flush()  # pongs and the closing handshake
        return self.pending.popleft()


def _response_text(event: dict[str, Any], session: list[dict[str, Any]]) -> str:
    """The text a response reads: its own `input`, else the last text item in the session."""
    items = (event.get("response") or {}).get("input")
    if not items:
        items = [e.get("item", {}) for e in session if e.get("type") == "conversation.item.create"]
        items = items[-1:]
    return " ".join(
        part.get("text", "")
        for item in items
        for part in item.get("content", [])
        if part.get("type") == "input_text"
    )
