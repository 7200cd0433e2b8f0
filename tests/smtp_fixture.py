"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, recording what it accepts.

The server lives for the session; ``smtp`` gives each test an empty inbox. Some
domains misbehave on purpose so failure handling is tested over real SMTP:

* ``@refuse.example``: ``550 No such user`` at RCPT (a permanent refusal);
* ``@tempfail.example``: ``451 try later`` at RCPT, for the next
  ``tempfail_remaining`` attempts (every attempt while it is ``None``).

``hold()`` makes the next DATA wait (after the server has the message) until
``release()``, so a test can kill a worker in the middle of a send.
"""

from __future__ import annotations

import asyncio
import dataclasses
import email
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from shared.settings import Settings

REFUSE_DOMAIN = "refuse.example"
TEMPFAIL_DOMAIN = "tempfail.example"


def free_port() -> int:
    """A port nothing listens on (right now): also how tests get a closed port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.raw, policy=default_policy)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class RecordingHandler:
    received: list[Received] = field(default_factory=list)
    tempfail_remaining: int | None = None
    holding: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)
    _hold_next: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self._lock:
            self.received.clear()
            self.tempfail_remaining = None
            self._hold_next = False
        self.released.set()  # let any handler still waiting from the last test go
        self.holding = threading.Event()
        self.released = threading.Event()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        domain = address.rpartition("@")[2].lower()
        if domain == REFUSE_DOMAIN:
            return "550 No such user"
        if domain == TEMPFAIL_DOMAIN:
            with self._lock:
                failing = self.tempfail_remaining is None or self.tempfail_remaining > 0
                if self.tempfail_remaining:
                    self.tempfail_remaining -= 1
            if failing:
                return "451 try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content)))
            hold, self._hold_next = self._hold_next, False
        if hold:
            holding, released = self.holding, self.released
            holding.set()
            while not released.is_set():  # never block the server's event loop
                await asyncio.sleep(0.02)
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    host: str
    port: int
    handler: RecordingHandler

    @property
    def received(self) -> list[Received]:
        return list(self.handler.received)

    def configure(self, settings: Settings) -> Settings:
        """The test's settings, sending through this server."""
        return dataclasses.replace(settings, smtp_host=self.host, smtp_port=self.port, notify_api_key=None)

    def tempfail(self, times: int | None) -> None:
        self.handler.tempfail_remaining = times

    def hold(self) -> None:
        with self.handler._lock:
            self.handler._hold_next = True

    def wait_until_holding(self, timeout: float = 10.0) -> None:
        assert self.handler.holding.wait(timeout), "no message reached the held DATA in time"

    def release(self) -> None:
        self.handler.released.set()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.handler.received) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.received


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpServer]:
    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), ready_timeout=10)
    controller.start()
    try:
        yield SmtpServer(host="127.0.0.1", port=int(controller.port), handler=handler)
    finally:
        handler.released.set()
        controller.stop()


@pytest.fixture
def smtp(smtp_server: SmtpServer) -> Iterator[SmtpServer]:
    """The session's SMTP server with an empty inbox and no tricks armed."""
    smtp_server.handler.reset()
    yield smtp_server
    smtp_server.handler.reset()
