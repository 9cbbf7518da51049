"""The blocking reply's lean transport (shared/providers/keepalive.py), through the real SDK.

A scripted HTTP/1.1 server on loopback answers each request with raw bytes, so connection
reuse, a server closing idle connections, chunked and gzip bodies, timeouts and broken
responses are each seen as the SDK sees them.
"""

from __future__ import annotations

import gzip
import json
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

from shared.core.config import Config
from shared.providers.base import ProviderTimeout, ProviderUnavailable
from shared.providers.openai_chat import OpenAIChat

Answer = Callable[[socket.socket], bool]  # writes a response; False closes the connection


def completion(text: str) -> bytes:
    return json.dumps(
        {
            "id": "c1",
            "object": "chat.completion",
            "model": "gpt-test",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}}],
            "usage": {"prompt_tokens": 3, "completion_tokens": 2},
        }
    ).encode()


def plain(text: str, close: bool = False) -> Answer:
    def answer(conn: socket.socket) -> bool:
        body = completion(text)
        head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        head += f"Content-Length: {len(body)}\r\n" + ("Connection: close\r\n" if close else "")
        conn.sendall(head.encode() + b"\r\n" + body)
        return not close

    return answer


def chunked_gzip(text: str) -> Answer:
    def answer(conn: socket.socket) -> bool:
        body = gzip.compress(completion(text))
        half = len(body) // 2
        chunks = b"".join(
            f"{len(part):x}\r\n".encode() + part + b"\r\n" for part in (body[:half], body[half:])
        )
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        head += b"Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"
        conn.sendall(head + chunks + b"0\r\n\r\n")
        return True

    return answer


def broken(conn: socket.socket) -> bool:
    conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n{"choi')
    return False


def silent(conn: socket.socket) -> bool:
    threading.Event().wait(2)
    return False


@dataclass
class Scripted:
    """Answers requests in order; records how many connections were opened."""

    answers: list[Answer]
    connections: int = 0
    requests: list[bytes] = field(default_factory=list)
    port: int = 0

    def serve(self, listener: socket.socket) -> None:
        while self.answers:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._connection, args=(conn,), daemon=True).start()

    def _connection(self, conn: socket.socket) -> None:
        with conn:
            reader = conn.makefile("rb")
            while self.answers:
                head = b""
                while not head.endswith(b"\r\n\r\n"):
                    line = reader.readline()
                    if not line:
                        return
                    head += line
                length = next(
                    (
                        int(h.split(b":")[1])
                        for h in head.split(b"\r\n")
                        if h.lower().startswith(b"content-length")
                    ),
                    0,
                )
                self.requests.append(head + reader.read(length))
                if not self.answers.pop(0)(conn):
                    return


@pytest.fixture
def scripted() -> Iterator[Callable[..., Scripted]]:
    listeners: list[socket.socket] = []

    def start(*answers: Answer) -> Scripted:
        listener = socket.create_server(("127.0.0.1", 0))
        listeners.append(listener)
        server = Scripted(list(answers), port=listener.getsockname()[1])
        threading.Thread(target=server.serve, args=(listener,), daemon=True).start()
        return server

    yield start
    for listener in listeners:
        listener.close()


def provider(port: int, timeout: float = 5.0, retries: int = 0) -> OpenAIChat:
    config = Config.from_env(
        {
            "APP_ENV": "test",
            "OPENAI_API_KEY": "sk-test",
            "OPENAI_BASE_URL": f"http://127.0.0.1:{port}/v1",
            "PROVIDER_TIMEOUT": str(timeout),
            "PROVIDER_MAX_RETRIES": str(retries),
        }
    )
    return OpenAIChat(config)


HELLO = [{"role": "user", "content": "hello"}]


def test_replies_reuse_one_connection(scripted: Callable[..., Scripted]) -> None:
    server = scripted(plain("one"), plain("two"), plain("three"))
    chat = provider(server.port)
    assert [chat.reply(HELLO).text for _ in range(3)] == ["one", "two", "three"]
    assert server.connections == 1
    first = server.requests[0]
    assert first.startswith(b"POST /v1/chat/completions HTTP/1.1\r\n")
    assert b"authorization: bearer sk-test" in first.lower()
    assert json.loads(first.split(b"\r\n\r\n", 1)[1])["messages"] == HELLO


def test_a_connection_the_server_closed_is_not_reused(scripted: Callable[..., Scripted]) -> None:
    server = scripted(plain("one", close=True), plain("two"))
    chat = provider(server.port)
    assert chat.reply(HELLO).text == "one"
    assert chat.reply(HELLO).text == "two"
    assert server.connections == 2


def test_chunked_gzip_bodies_are_decoded(scripted: Callable[..., Scripted]) -> None:
    server = scripted(chunked_gzip("squeezed"), plain("after"))
    chat = provider(server.port)
    result = chat.reply(HELLO)
    assert (result.text, result.usage.prompt_tokens, result.model) == ("squeezed", 3, "gpt-test")
    assert chat.reply(HELLO).text == "after"  # the chunked body was read to its end
    assert server.connections == 1


def test_a_cut_off_response_is_an_unavailable_provider(
    scripted: Callable[..., Scripted],
) -> None:
    server = scripted(broken)
    with pytest.raises(ProviderUnavailable):
        provider(server.port).reply(HELLO)


def test_a_silent_server_is_a_timeout(scripted: Callable[..., Scripted]) -> None:
    server = scripted(silent)
    with pytest.raises(ProviderTimeout):
        provider(server.port, timeout=0.3).reply(HELLO)


def test_a_retry_after_a_cut_off_response_opens_a_new_connection(
    scripted: Callable[..., Scripted],
) -> None:
    server = scripted(broken, plain("second try"))
    assert provider(server.port, retries=1).reply(HELLO).text == "second try"
    assert server.connections == 2


def test_nothing_listening_is_an_unavailable_provider() -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]  # closed again: nothing listens there
    with pytest.raises(ProviderUnavailable) as refused:
        provider(port).reply(HELLO)
    assert refused.value.status == 503
