"""Talking to a real ClamAV daemon: PING, and INSTREAM so clamd needs no access to our files.

The protocol is spoken here by hand (it is a few lines: ``zINSTREAM\\0``, then chunks each
prefixed with its 4-byte length, then a zero length, then one NUL-terminated reply). The
``clamd`` package did this before, but when a stream passes clamd's ``StreamMaxLength`` clamd
writes "INSTREAM size limit exceeded" and closes the connection: the package then dies in its
next send with a broken pipe and loses the reply, so an over-large file looked like a scanner
outage and was retried for hours. Here a refused send still reads clamd's answer.

Three outcomes besides clean and infected:

- :class:`ScannerUnavailable`: clamd could not be reached or did not answer in time. Retried.
- :class:`TooLargeForScanner`: the file is larger than the scanner takes (``SCANNER_MAX_MB``,
  or clamd said so). Permanent: retrying cannot help, and the file stays quarantined.
- :class:`NotScannable`: clamd hit one of its own limits (``Heuristics.Limits.Exceeded…``, with
  ``AlertExceedsMax``): it did not read the whole file, so the file is not clean. Permanent too.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from typing import BinaryIO

from shared.settings import Settings

#: Bytes per INSTREAM chunk: big enough to keep the syscalls few, far below any StreamMaxLength.
CHUNK = 256 * 1024
#: The reply is one short line; anything longer is not clamd.
_MAX_REPLY = 4096
#: How long a scan may take at least, and how much longer per megabyte sent (clamd copies the
#: stream to its temporary directory, then scans it: both grow with the size).
BASE_TIMEOUT = 60.0
SECONDS_PER_MB = 0.1
#: The scan runs inside a queued job whose lease is five minutes (shared.jobs.Worker.lease): a
#: scan still waiting past that would be leased again by another worker, so the wait stops short.
MAX_TIMEOUT = 270.0
_LIMITS_EXCEEDED = "Heuristics.Limits.Exceeded"
_SIZE_LIMIT_REPLY = "INSTREAM size limit exceeded"


class ScannerUnavailable(RuntimeError):
    """clamd could not be reached: the file stays quarantined and the scan is retried."""


class ScanImpossible(RuntimeError):
    """The file can never be scanned as it is: it stays quarantined and the scan is not retried.

    ``str(error)`` is the plain-English reason a page can show.
    """


class TooLargeForScanner(ScanImpossible):
    def __init__(self, detail: str = "") -> None:
        super().__init__("This file is too large for the virus scanner")
        self.detail = detail


class NotScannable(ScanImpossible):
    def __init__(self, detail: str = "") -> None:
        super().__init__("The virus scanner could not check the whole of this file")
        self.detail = detail


@dataclass(frozen=True)
class ScanResult:
    clean: bool
    signature: str | None = None


def scan_timeout(size: int | None) -> float:
    """Seconds to wait for clamd's answer to a file of ``size`` bytes: grows with the size, capped."""
    if size is None:
        return MAX_TIMEOUT
    return min(MAX_TIMEOUT, BASE_TIMEOUT + SECONDS_PER_MB * size / (1024 * 1024))


def _connect(settings: Settings, timeout: float) -> socket.socket:
    sock: socket.socket
    if settings.clamd_socket:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(settings.clamd_socket)
        except BaseException:
            sock.close()
            raise
        return sock
    return socket.create_connection((settings.clamd_host, settings.clamd_port), timeout=timeout)


def _address(settings: Settings) -> str:
    """Where clamd was looked for, for the error an operator reads on a job that keeps failing."""
    return settings.clamd_socket or f"{settings.clamd_host}:{settings.clamd_port}"


def _reply(sock: socket.socket) -> str:
    """Read up to the terminating NUL (or until clamd closes)."""
    data = b""
    while b"\0" not in data and len(data) < _MAX_REPLY:
        chunk = sock.recv(_MAX_REPLY)
        if not chunk:
            break
        data += chunk
    return data.split(b"\0", 1)[0].decode("utf-8", "replace").strip()


def ping(settings: Settings, timeout: float = 2.0) -> bool:
    try:
        with _connect(settings, timeout) as sock:
            sock.sendall(b"zPING\0")
            return _reply(sock) == "PONG"
    except OSError:  # TimeoutError and every socket error are OSErrors
        return False


def scan(settings: Settings, stream: BinaryIO, timeout: float | None = None, *, size: int | None = None) -> ScanResult:
    """Stream the bytes to clamd (INSTREAM) and say what it found.

    ``size`` (the stored size) refuses at once a file over ``settings.scanner_max_bytes`` and sets
    the default ``timeout`` (:func:`scan_timeout`). Raises :class:`ScannerUnavailable` (retry) or a
    :class:`ScanImpossible` (do not).
    """
    if size is not None and size > settings.scanner_max_bytes:
        raise TooLargeForScanner(f"{size} bytes; the scanner takes at most {settings.scanner_max_bytes}")
    wait = scan_timeout(size) if timeout is None else timeout
    try:
        with _connect(settings, wait) as sock:
            sock.sendall(b"zINSTREAM\0")
            try:
                while chunk := stream.read(CHUNK):
                    sock.sendall(struct.pack("!L", len(chunk)) + chunk)
                sock.sendall(struct.pack("!L", 0))
            except (BrokenPipeError, ConnectionResetError):
                pass  # clamd stopped reading: its reply (a limit, say) is still there to read
            reply = _reply(sock)
    except OSError as exc:
        raise ScannerUnavailable(f"clamd at {_address(settings)} did not answer ({type(exc).__name__}: {exc})") from exc
    return _result(reply)


def _result(reply: str) -> ScanResult:
    if reply.startswith(_SIZE_LIMIT_REPLY):
        raise TooLargeForScanner(f"clamd answered {reply!r}: raise its StreamMaxLength or lower SCANNER_MAX_MB")
    name, _, verdict = reply.partition(": ")
    if name == "stream" and verdict == "OK":
        return ScanResult(clean=True)
    if name == "stream" and verdict.endswith(" FOUND"):
        signature = verdict.removesuffix(" FOUND").strip()
        if signature.startswith(_LIMITS_EXCEEDED):
            raise NotScannable(f"clamd answered {signature}")
        return ScanResult(clean=False, signature=signature)
    raise ScannerUnavailable(f"clamd answered {reply or 'nothing'!r}")
