"""A lean HTTP/1.1 transport for the SDK's asyncio client: aiohttp (its HTTP parser is C)
under the SDK's own client, retries and errors.

A streamed voice turn makes eight upstream calls (transcription, the streamed reply, a speech
call a sentence); through httpx2's default transport (httpcore2, anyio and h11's pure-Python
state machine) they took more CPU than the service's own work on them (bench/RESULTS.md).
This transport keeps what the SDK relies on: connection reuse, the request's connect and read
timeouts, TLS with httpx2's default trust, content decoding (the body goes back through
httpx2), streamed bodies (a streamed reply is read as it arrives), and httpx2's exceptions,
which the SDK maps to its own: a timeout to `APITimeoutError`, a refused or dropped connection
to `APIConnectionError`. (The SDK's bundled aiohttp client reports a refused connection as a
timeout, so it is not used.)
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import aiohttp
import httpx2
import openai

# Connections kept per client, and how long an idle one is kept (httpx2's own defaults).
MAX_CONNECTIONS = 1000
KEEPALIVE_SECONDS = 5.0
CHUNK = 64 * 1024


@contextmanager
def httpx_errors() -> Iterator[None]:
    """aiohttp's failures as the httpx2 exceptions the SDK maps (most specific first)."""
    try:
        yield
    except aiohttp.ConnectionTimeoutError as exc:
        raise httpx2.ConnectTimeout(str(exc)) from exc
    except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
        raise httpx2.ReadTimeout(str(exc) or "read timed out") from exc
    except aiohttp.ClientConnectorError as exc:
        raise httpx2.ConnectError(str(exc)) from exc
    except (aiohttp.ClientPayloadError, aiohttp.ServerDisconnectedError) as exc:
        raise httpx2.RemoteProtocolError(str(exc)) from exc
    except aiohttp.ClientError as exc:
        raise httpx2.NetworkError(str(exc)) from exc


class AiohttpBody(httpx2.AsyncByteStream):
    """A response body read as it arrives; closing it returns the connection to the pool."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with httpx_errors():
            async for chunk in self._response.content.iter_any():
                yield chunk

    async def aclose(self) -> None:
        self._response.release()


class AiohttpTransport(httpx2.AsyncBaseTransport):
    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    def _opened(self) -> aiohttp.ClientSession:
        """The session, made in the running loop at the first request."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=MAX_CONNECTIONS,
                keepalive_timeout=KEEPALIVE_SECONDS,
                ssl=httpx2.create_ssl_context(),
            )
            self._session = aiohttp.ClientSession(connector=connector, auto_decompress=False)
        return self._session

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        timeouts = request.extensions.get("timeout", {})
        body = await request.aread()  # the SDK's bodies are small, or already in memory
        headers = [(k, v) for k, v in request.headers.multi_items() if k != "transfer-encoding"]
        with httpx_errors():
            response = await self._opened().request(
                request.method,
                str(request.url),
                headers=headers,
                data=body or None,
                allow_redirects=False,
                timeout=aiohttp.ClientTimeout(
                    sock_connect=timeouts.get("connect"), sock_read=timeouts.get("read")
                ),
            )
        return httpx2.Response(
            response.status,
            headers=list(response.raw_headers),
            stream=AiohttpBody(response),
            extensions={"http_version": b"HTTP/1.1"},
        )

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def async_http_client() -> httpx2.AsyncClient:
    """The SDK's asyncio client (its own defaults) over this transport."""
    return openai.DefaultAsyncHttpxClient(transport=AiohttpTransport())
