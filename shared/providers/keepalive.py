"""A lean HTTP/1.1 transport for the SDK's blocking client: the standard library's
`http.client` on kept-alive connections, under the SDK's own client, retries and errors.

The blocking reply of a text turn is one small JSON request and one small JSON response;
httpx2's default transport (httpcore2 with h11's pure-Python state machine) spent more CPU on
it than the rest of the SDK call (bench/RESULTS.md). This transport keeps what the SDK relies
on: connection reuse, the request's connect/read/write timeouts, TLS with the same trust as
httpx2's default context, content decoding (the response body goes back through httpx2), and
httpx2's exceptions, which the SDK maps to its own (timeouts to `APITimeoutError`, the rest
to `APIConnectionError`). Proxies from the environment are still mounted by httpx2 itself.
"""

from __future__ import annotations

import http.client
import select
import socket
import ssl
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx2

Origin = tuple[str, str, int]
MAX_IDLE_PER_ORIGIN = 16


class KeepAliveTransport(httpx2.BaseTransport):
    def __init__(self, ssl_context: ssl.SSLContext | None = None) -> None:
        self._ssl_context = ssl_context
        self._idle: defaultdict[Origin, list[http.client.HTTPConnection]] = defaultdict(list)
        self._lock = threading.Lock()

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        origin = (request.url.scheme, request.url.host, request.url.port or _default_port(request))
        timeouts = request.extensions.get("timeout", {})
        body = request.read()
        connection, reused = self._checkout(origin, timeouts.get("connect"))
        try:
            status, headers, content, keep = _exchange(connection, request, body, timeouts)
        except BaseException:
            connection.close()
            raise
        if keep:
            self._checkin(origin, connection)
        else:
            connection.close()
        return httpx2.Response(
            status,
            headers=headers,
            stream=httpx2.ByteStream(content),
            extensions={"http_version": b"HTTP/1.1", "reused_connection": reused},
        )

    def _checkout(
        self, origin: Origin, connect_timeout: float | None
    ) -> tuple[http.client.HTTPConnection, bool]:
        """An idle connection that is still open (the server may have closed it meanwhile:
        a readable idle socket is at EOF or has unexpected bytes), else a new one."""
        with self._lock:
            idle = self._idle[origin]
            while idle:
                connection = idle.pop()
                if _still_open(connection):
                    return connection, True
                connection.close()
        return self._connect(origin, connect_timeout), False

    def _checkin(self, origin: Origin, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            idle = self._idle[origin]
            if len(idle) < MAX_IDLE_PER_ORIGIN:
                idle.append(connection)
                return
        connection.close()

    def _connect(self, origin: Origin, timeout: float | None) -> http.client.HTTPConnection:
        scheme, host, port = origin
        connection: http.client.HTTPConnection
        if scheme == "https":
            if self._ssl_context is None:
                self._ssl_context = httpx2.create_ssl_context()
            connection = http.client.HTTPSConnection(
                host, port, timeout=timeout, context=self._ssl_context
            )
        elif scheme == "http":
            connection = http.client.HTTPConnection(host, port, timeout=timeout)
        else:
            raise httpx2.UnsupportedProtocol(f"Unsupported URL scheme {scheme!r}.")
        with _mapped(httpx2.ConnectTimeout, httpx2.ConnectError):
            connection.connect()
        connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection

    def close(self) -> None:
        with self._lock:
            idle = [c for connections in self._idle.values() for c in connections]
            self._idle.clear()
        for connection in idle:
            connection.close()


def _exchange(
    connection: http.client.HTTPConnection,
    request: httpx2.Request,
    body: bytes,
    timeouts: dict[str, float | None],
) -> tuple[int, list[tuple[str, str]], bytes, bool]:
    """Send `request` and read its whole response: status, headers, raw body, reusable."""
    target = request.url.raw_path.decode("ascii")
    sock = connection.sock
    with _mapped(httpx2.WriteTimeout, httpx2.WriteError):
        sock.settimeout(timeouts.get("write"))
        connection.putrequest(request.method, target, skip_host=True, skip_accept_encoding=True)
        for name, value in request.headers.raw:
            connection.putheader(name.decode("latin-1"), value.decode("latin-1"))
        connection.endheaders(body or None)
    with _mapped(httpx2.ReadTimeout, httpx2.ReadError):
        sock.settimeout(timeouts.get("read"))
        try:
            response = connection.getresponse()
            content = response.read()
        except http.client.HTTPException as exc:
            raise httpx2.RemoteProtocolError(str(exc) or type(exc).__name__) from exc
    return response.status, response.getheaders(), content, not response.will_close


def _still_open(connection: http.client.HTTPConnection) -> bool:
    sock = connection.sock
    if sock is None:
        return False
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return False
    return not readable


def _default_port(request: httpx2.Request) -> int:
    return 443 if request.url.scheme == "https" else 80


@contextmanager
def _mapped(
    timeout: Callable[[str], Exception], other: Callable[[str], Exception]
) -> Iterator[None]:
    """Socket errors as httpx2's: a timeout as `timeout`, any other OS error as `other`."""
    try:
        yield
    except TimeoutError as exc:  # socket.timeout is TimeoutError
        raise timeout(str(exc) or "timed out") from exc
    except OSError as exc:
        raise other(str(exc) or type(exc).__name__) from exc
