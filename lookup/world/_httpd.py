"""A small HTTP/1.1 server on asyncio streams, enough for the world's web and search.

It reads one request at a time per connection (keep-alive, Content-Length
bodies only), hands an ``HttpRequest`` to an async app and writes the app's
``HttpResponse``. ``reset=True`` in a response drops the connection with a TCP
RST instead of answering, which is how the world injects connection resets.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import struct
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import parse_qsl, urlsplit

__all__ = ["HttpRequest", "HttpResponse", "HttpServer", "text_response"]

log = logging.getLogger(__name__)

MAX_LINE = 16_384
MAX_HEADERS = 100
MAX_BODY = 1_000_000


@dataclass(frozen=True, slots=True)
class HttpRequest:
    method: str
    target: str  # as sent: path and query
    headers: Mapping[str, str]  # lower-case names
    body: bytes = b""

    @property
    def host(self) -> str:
        """The Host header without its port, lower case."""
        value = self.headers.get("host", "").strip().lower()
        if value.startswith("["):  # an IPv6 literal
            return value.partition("]")[0] + "]"
        return value.rpartition(":")[0] if ":" in value else value

    @property
    def path(self) -> str:
        return urlsplit(self.target).path or "/"

    @property
    def query(self) -> str:
        """The query string as sent, without the ``?`` ("" when there is none)."""
        return urlsplit(self.target).query

    def params(self) -> dict[str, str]:
        """Query-string parameters, plus form fields of a urlencoded POST body."""
        found = dict(parse_qsl(urlsplit(self.target).query, keep_blank_values=True))
        if "application/x-www-form-urlencoded" in self.headers.get("content-type", ""):
            found.update(parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True))
        return found


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    reset: bool = False
    chunked: bool = False  # Transfer-Encoding: chunked instead of Content-Length
    content_length: int | None = None  # the length declared, when it is to be a lie
    drip_bytes_per_s: int | None = None  # send the body this slowly


App = Callable[[HttpRequest], Awaitable[HttpResponse]]


def text_response(status: int, text: str, *headers: tuple[str, str]) -> HttpResponse:
    """A plain-text answer, e.g. for errors and injected faults."""
    return HttpResponse(
        status, (("Content-Type", "text/plain; charset=utf-8"), *headers), (text + "\n").encode()
    )


class _BadRequest(Exception):
    pass


class HttpServer:
    """Serves ``app`` on 127.0.0.1:``port`` (0 = any free port) until ``stop()``."""

    def __init__(self, app: App, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self._app = app
        self._host = host
        self._port = port
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task] = set()

    @property
    def port(self) -> int:
        assert self._server is not None, "the server is not started"
        return self._server.sockets[0].getsockname()[1]

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._serve, self._host, self._port, limit=MAX_LINE, reuse_address=True
        )

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One connection's requests. Stopped while a request is answered (a latency, a
        retry), it ends as a finished task, not a cancelled one: Python 3.11's
        ``start_server`` reads the handler task's exception when it is done, which raises
        for a cancelled task and prints a traceback on stderr mid-command."""
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            while await self._one(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass  # ValueError: StreamReader.readline's "line longer than the limit"
        except asyncio.CancelledError:
            pass  # the world stops (``stop``): ends as a finished task, see below
        finally:
            self._tasks.discard(task)
            writer.close()

    async def _one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Answer one request; False when the connection should close."""
        try:
            request = await _read_request(reader)
        except _BadRequest as exc:
            await _write(writer, "HEAD", text_response(400, str(exc)), close=True)
            return False
        if request is None:
            return False
        try:
            response = await self._app(request)
        except Exception:  # noqa: BLE001 - a bug in one answer must not drop the connection
            log.exception("The world's HTTP server failed on %s %s", request.method, request.target)
            response = text_response(500, "The world server failed; see its log.")
        if response.reset:
            _reset(writer)
            return False
        close = request.headers.get("connection", "").lower() == "close"
        await _write(writer, request.method, response, close=close)
        return not close


async def _read_request(reader: asyncio.StreamReader) -> HttpRequest | None:
    line = await reader.readline()
    if not line:
        return None
    parts = line.decode("latin-1").split()
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise _BadRequest("The request line is not valid HTTP/1.1.")
    method, target, version = parts
    headers: dict[str, str] = {} if version != "HTTP/1.0" else {"connection": "close"}
    for _ in range(MAX_HEADERS):
        raw = await reader.readline()
        if raw in (b"\r\n", b"\n", b""):
            break
        name, colon, value = raw.decode("latin-1").partition(":")
        if not colon:
            raise _BadRequest("A header line has no colon.")
        headers[name.strip().lower()] = value.strip()
    else:
        raise _BadRequest("The request has too many headers.")
    if "chunked" in headers.get("transfer-encoding", "").lower():
        raise _BadRequest("Chunked request bodies are not supported by the world server.")
    try:
        length = int(headers.get("content-length", "0") or 0)
    except ValueError:
        raise _BadRequest("The Content-Length header is not a number.") from None
    if not 0 <= length <= MAX_BODY:
        raise _BadRequest("The request body is too large.")
    body = await reader.readexactly(length) if length else b""
    return HttpRequest(method.upper(), target, headers, body)


async def _write(
    writer: asyncio.StreamWriter, method: str, response: HttpResponse, *, close: bool
) -> None:
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = ""
    lines = [f"HTTP/1.1 {response.status} {reason}"]
    lines += [f"{name}: {value}" for name, value in response.headers]
    if response.chunked:
        lines.append("Transfer-Encoding: chunked")
    else:
        declared = response.content_length
        lines.append(f"Content-Length: {len(response.body) if declared is None else declared}")
    lines.append("Server: lookup-world")
    if close or response.content_length is not None:  # after a lie, the connection is done
        lines.append("Connection: close")
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    if method == "HEAD":
        await writer.drain()
        return
    await _send_body(writer, response)


async def _send_body(writer: asyncio.StreamWriter, response: HttpResponse) -> None:
    """The body as the response says: at once, in chunks, and/or dripped."""
    body, rate = response.body, response.drip_bytes_per_s
    piece = max(1, rate) if rate else 16_384
    for start in range(0, len(body), piece) if body else []:
        part = body[start:start + piece]
        writer.write(b"%x\r\n%s\r\n" % (len(part), part) if response.chunked else part)
        await writer.drain()
        if rate:
            await asyncio.sleep(len(part) / rate)
    if response.chunked:
        writer.write(b"0\r\n\r\n")
    await writer.drain()


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with SO_LINGER 0, so the peer sees a TCP RST (a "connection reset")."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()
