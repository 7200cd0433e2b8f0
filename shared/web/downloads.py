"""Serving a stored file for download: GET and HEAD, byte ranges, and an account of what was sent.

Why not Starlette's ``FileResponse``: it serves ranges, but cannot say how much of the file
reached the client, and a page that counts downloads ("downloaded", "started but not finished")
needs exactly that, also when the client goes away half way. This response streams the file
itself, ``CHUNK`` bytes at a time (memory stays flat whatever the size; each read runs in a worker
thread so the event loop is never blocked on the disk), watches for the client leaving, and calls
``on_finish(bytes_sent, complete)`` once at the end.

Ranges (RFC 9110 §14): one range ``bytes=a-b``, ``bytes=a-`` or ``bytes=-n`` is served 206 with
``Content-Range``. A range that starts past the end (or ``bytes=-0``) is 416 with
``Content-Range: bytes */size``. Several ranges are answered with the whole file (200), as the
RFC allows: a multipart/byteranges body is complex for browsers and download managers alike, and
resuming a download (what ranges are here for) asks for one. A malformed or reversed range, or
another unit, is ignored (200, whole file), as the RFC says. ``If-Range`` must match the strong
ETag (or equal ``Last-Modified`` exactly, when the caller gave one), else the whole file is sent.
Ranges apply to GET only (RFC 9110 §14.2): HEAD answers the headers a GET without ``Range`` would.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from email.utils import format_datetime, parsedate_to_datetime
from functools import partial
from pathlib import Path
from typing import BinaryIO

import anyio
import anyio.to_thread
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

log = logging.getLogger(__name__)

#: Bytes per read and per ASGI message. Measured with uvicorn and curl on loopback (256MB file):
#: 64KiB 125MB/s, 256KiB 516MB/s, 1MiB 722MB/s, 4MiB 733MB/s. Smaller chunks spend the time on
#: thread hops; larger ones only hold more memory per download.
CHUNK = 1024 * 1024

#: ``on_finish(bytes_sent, complete)``: called once per GET that streams bytes (200 or 206), in a
#: worker thread after the response ended or the client left; never for HEAD or a 416.
OnFinish = Callable[[int, bool], None]

_RANGE = re.compile(r"\s*(\d*)\s*-\s*(\d*)\s*")
_MAX_HEADER = 200  # a Range or If-Range longer than this is not one we serve


@dataclass(frozen=True)
class ByteRange:
    """Inclusive ``first``..``last``, as Content-Range writes it."""

    first: int
    last: int

    @property
    def length(self) -> int:
        return self.last - self.first + 1


class Unsatisfiable(Exception):
    """A well-formed single range that selects nothing of the file: 416."""


def strong_etag(value: str) -> str:
    """``"value"`` (a sha256, say) as a strong entity tag; a value already quoted is kept."""
    if value.startswith('"') and value.endswith('"') and len(value) >= 2:
        return value
    if '"' in value or value.startswith("W/"):
        raise ValueError(f"not usable as a strong ETag: {value!r}")
    return f'"{value}"'


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The one range to serve, or None to serve the whole file (no header, several ranges, or one
    the RFC says to ignore). Raises :class:`Unsatisfiable` for a valid range past the end."""
    if not header or len(header) > _MAX_HEADER:
        return None
    unit, sep, spec = header.partition("=")
    if not sep or unit.strip().lower() != "bytes":
        return None
    parts = [part for part in spec.split(",") if part.strip()]
    if len(parts) != 1:
        return None
    match = _RANGE.fullmatch(parts[0])
    if match is None:
        return None
    first_text, last_text = match.groups()
    if not first_text:
        if not last_text:
            return None  # "bytes=-": not a range
        suffix = int(last_text)
        if suffix == 0 or size == 0:
            raise Unsatisfiable
        return ByteRange(max(0, size - suffix), size - 1)
    first = int(first_text)
    last = int(last_text) if last_text else size - 1
    if last_text and last < first:
        return None  # reversed: invalid, so ignored
    if first >= size:
        raise Unsatisfiable
    return ByteRange(first, min(last, size - 1))


def _if_range_holds(value: str | None, etag: str, last_modified: dt.datetime | None) -> bool:
    """True when there is no If-Range, or it names this very representation."""
    if value is None:
        return True
    value = value.strip()
    if value.startswith(('"', "W/")):
        return value == etag  # strong comparison: a weak tag never matches
    if last_modified is None or len(value) > _MAX_HEADER:
        return False
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when == last_modified.astimezone(dt.UTC).replace(microsecond=0)


def file_response(
    request: Request,
    *,
    path: Path,
    size: int,
    etag: str,
    headers: Mapping[str, str],
    on_finish: OnFinish | None = None,
    last_modified: dt.datetime | None = None,
) -> Response:
    """The response that serves the file at ``path`` (``size`` bytes) to this GET or HEAD.

    ``etag`` is a strong validator for these exact bytes (quoted or not: ``strong_etag``), e.g. the
    file's sha256. ``headers`` are the caller's (``shared.files.download_headers``: type, disposition,
    no-store…); ``Content-Length``, ``Content-Range``, ``Accept-Ranges`` and ``ETag`` are set here.
    ``last_modified`` (UTC; naive is taken as UTC, as the database stores it) adds ``Last-Modified``
    and lets ``If-Range`` carry a date.

    ``on_finish(bytes_sent, complete)`` is called exactly once for a GET that sends bytes (200, 206):
    when the last byte was handed to the server, or when the client went away. ``complete`` is True
    only when the file's last byte was sent (a whole 200, or a range ending at the end). It runs in a
    worker thread after the response, outside any request transaction: it may open its own session
    (``with transaction(factory) as session: …``); what it raises is logged and swallowed. It is never
    called for HEAD or a 416. ``bytes_sent`` counts the bytes handed to the server: when the client
    goes away, the last chunk or two may have been lost on the way.
    """
    tag = strong_etag(etag)
    if last_modified is not None and last_modified.tzinfo is None:
        last_modified = last_modified.replace(tzinfo=dt.UTC)
    out = MutableHeaders(headers=dict(headers))
    for name in ("content-length", "content-range", "accept-ranges", "etag", "last-modified"):
        del out[name]
    out["Accept-Ranges"] = "bytes"
    out["ETag"] = tag
    if last_modified is not None:
        out["Last-Modified"] = format_datetime(last_modified.astimezone(dt.UTC), usegmt=True)
    is_get = request.method == "GET"
    selected: ByteRange | None = None
    if is_get and _if_range_holds(request.headers.get("if-range"), tag, last_modified):
        try:
            selected = parse_range(request.headers.get("range"), size)
        except Unsatisfiable:
            for name in ("content-type", "content-disposition"):
                del out[name]
            out["Content-Range"] = f"bytes */{size}"
            out["Content-Length"] = "0"
            return Response(status_code=416, headers=dict(out))
    if selected is None:
        status, first, length = 200, 0, size
    else:
        status, first, length = 206, selected.first, selected.length
        out["Content-Range"] = f"bytes {selected.first}-{selected.last}/{size}"
    out["Content-Length"] = str(length)
    return TrackedResponse(
        status_code=status,
        headers=out,
        length=length,
        open_chunks=partial(_file_chunks, path, first, length),
        reaches_end=first + length == size,
        on_finish=on_finish if is_get else None,
        head=not is_get,
    )


class TrackedResponse(Response):
    """Streams the chunks ``open_chunks()`` gives, watching for the client leaving; then ``on_finish``.

    ``open_chunks`` runs in a worker thread before the status line is sent (so a file that cannot be
    opened is the caller's error, not half a download), and so does every step of the iterator it
    returns: a blocking read never holds the event loop. ``length`` is what the iterator will give in
    all (it is the Content-Length); ``reaches_end`` says whether giving all of it sends the last byte
    of the thing downloaded (False for a range that stops short). Built by :func:`file_response` and
    ``shared.files.archive.zip_response``; see :func:`file_response` for ``on_finish``.
    """

    def __init__(
        self,
        *,
        status_code: int,
        headers: MutableHeaders,
        length: int,
        open_chunks: Callable[[], Iterator[bytes]],
        reaches_end: bool = True,
        on_finish: OnFinish | None = None,
        head: bool = False,
    ) -> None:
        self.status_code = status_code
        self.background = None
        self.body = b""
        self.length = length
        self.open_chunks = open_chunks
        self.reaches_end = reaches_end
        self.on_finish = on_finish
        self.head = head
        self.sent = 0
        self.raw_headers = headers.raw

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.head:
            await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        chunks = await anyio.to_thread.run_sync(self.open_chunks)
        finished = False
        try:
            async with anyio.create_task_group() as group:

                async def stream_then_stop() -> None:
                    nonlocal finished
                    await self._stream(chunks, send)
                    finished = True
                    group.cancel_scope.cancel()

                async def stop_on_disconnect() -> None:
                    await _wait_for_disconnect(receive)
                    group.cancel_scope.cancel()

                group.start_soon(stream_then_stop)
                group.start_soon(stop_on_disconnect)
        except* OSError as errors:
            # An ASGI 2.4 server raises from send when the client has gone (a disconnect); a stored
            # file that ended early is worth a line in the log. Either way the response stops here.
            log.info("download stopped after %s bytes: %s", self.sent, errors.exceptions[0])
        finally:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(_close, chunks)
                await self._finish(finished)

    async def _stream(self, chunks: Iterator[bytes], send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        while (chunk := await anyio.to_thread.run_sync(next, chunks, None)) is not None:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
            self.sent += len(chunk)
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _finish(self, finished: bool) -> None:
        if self.on_finish is None:
            return
        complete = finished and self.reaches_end and self.sent == self.length
        try:
            await anyio.to_thread.run_sync(self.on_finish, self.sent, complete)
        except Exception:
            log.exception("on_finish after sending %s bytes failed", self.sent)


def _close(chunks: Iterator[bytes]) -> None:
    close = getattr(chunks, "close", None)
    if close is not None:
        close()  # a generator's finally blocks (closing its file) run now, not at garbage collection


def _file_chunks(path: Path, first: int, length: int) -> Iterator[bytes]:
    """Opens the file now (so a missing file raises here) and returns the generator that reads it."""
    stream = path.open("rb", buffering=0)  # unbuffered: read(n) returns at most n bytes, copied once
    try:
        stream.seek(first)
    except BaseException:
        stream.close()
        raise
    return _read(stream, length)


def _read(stream: BinaryIO, length: int) -> Iterator[bytes]:
    with stream:
        remaining = length
        while remaining > 0:
            chunk = stream.read(min(CHUNK, remaining))
            if not chunk:
                raise OSError(f"the file ended {remaining} bytes early")  # the stored file shrank
            remaining -= len(chunk)
            yield chunk


async def _wait_for_disconnect(receive: Receive) -> None:
    """Returns when the server says the client has gone (any request body is read and dropped)."""
    while True:
        message: Message = await receive()
        if message["type"] == "http.disconnect":
            return
