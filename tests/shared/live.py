"""A real uvicorn server in a thread, and a raw HTTP/1.1 client that streams a chunked body.

The test client reads a request body whole before the app sees it, so only a
real server over a real socket shows whether the app stops reading early.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import uvicorn
from starlette.types import ASGIApp


@contextlib.contextmanager
def serving(app: ASGIApp, **options: Any) -> Iterator[int]:
    """Serve ``app`` on a free loopback port for the length of the block; yields the port. ``options`` are
    uvicorn's, over these defaults (no lifespan: the caller has set the app up)."""
    config = uvicorn.Config(app, **{"host": "127.0.0.1", "port": 0, "log_level": "warning", "lifespan": "off",
                                    **options})
    server = uvicorn.Server(config)
    sock = config.bind_socket()
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield int(sock.getsockname()[1])
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    #: Body bytes the client had sent when the answer came (or the server stopped taking them).
    sent: int
    #: Body bytes the client meant to send.
    total: int
    #: The server closed the connection after answering (it will read no more of the body).
    closed: bool


def stream_post(port: int, path: str, pieces: Iterable[bytes], total: int, headers: dict[str, str] | None = None) -> Answer:
    """POST ``pieces`` with ``Transfer-Encoding: chunked``, stopping as soon as the server answers."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=15)
    try:
        head = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Transfer-Encoding: chunked"]
        head += [f"{name}: {value}" for name, value in (headers or {}).items()]
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        sent = 0
        finished = True
        for piece in pieces:
            if not piece:
                continue  # an empty chunk would end the body
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                finished = False
                break
            try:
                sock.sendall(b"%x\r\n" % len(piece) + piece + b"\r\n")
            except OSError:  # the server answered and closed; the answer is still in our buffer
                finished = False
                break
            sent += len(piece)
        if finished:
            with contextlib.suppress(OSError):
                sock.sendall(b"0\r\n\r\n")
        status, response_headers, body = _read_response(sock)
        return Answer(status, response_headers, body, sent, total, _closed(sock))
    finally:
        sock.close()


def _read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed before an answer: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return status, headers, body


def _closed(sock: socket.socket) -> bool:
    sock.settimeout(5)
    try:
        return sock.recv(1) == b""
    except (ConnectionResetError, BrokenPipeError):
        return True
    except TimeoutError:
        return False


def repeated(piece: bytes, total: int, prefix: bytes = b"", suffix: bytes = b"") -> Iterator[bytes]:
    """``prefix``, then ``piece`` again and again up to about ``total`` bytes, then ``suffix``."""
    yield prefix
    for _ in range(max(0, (total - len(prefix) - len(suffix)) // len(piece))):
        yield piece
    yield suffix
