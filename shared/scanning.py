"""Talking to a real ClamAV daemon through the ``clamd`` package."""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

import clamd

from shared.settings import Settings


class ScannerUnavailable(RuntimeError):
    """clamd could not be reached: the file stays quarantined and the scan is retried."""


@dataclass(frozen=True)
class ScanResult:
    clean: bool
    signature: str | None = None


def _client(settings: Settings, timeout: float) -> clamd.ClamdUnixSocket | clamd.ClamdNetworkSocket:
    if settings.clamd_socket:
        return clamd.ClamdUnixSocket(path=settings.clamd_socket, timeout=timeout)
    return clamd.ClamdNetworkSocket(host=settings.clamd_host, port=settings.clamd_port, timeout=timeout)


def ping(settings: Settings, timeout: float = 2.0) -> bool:
    try:
        return bool(_client(settings, timeout).ping() == "PONG")
    except (TimeoutError, clamd.ConnectionError, OSError):
        return False


def scan(settings: Settings, stream: BinaryIO, timeout: float = 60.0) -> ScanResult:
    """Stream the bytes to clamd (INSTREAM), so clamd needs no access to our files."""
    try:
        reply = _client(settings, timeout).instream(stream)
    except (TimeoutError, clamd.ConnectionError, OSError) as exc:
        raise ScannerUnavailable(str(exc)) from exc
    status, signature = reply.get("stream", ("ERROR", "no reply"))
    if status == "OK":
        return ScanResult(clean=True)
    if status == "FOUND":
        return ScanResult(clean=False, signature=signature)
    raise ScannerUnavailable(f"clamd answered {status}: {signature}")
