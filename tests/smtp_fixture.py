"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, recording what it accepts.

The server lives for the session; ``smtp`` gives each test an empty inbox. Some
domains misbehave on purpose so failure handling is tested over real SMTP:

* ``@refuse.example``: ``550 No such user`` at RCPT (a permanent refusal);
* ``@tempfail.example``: ``451 try later`` at RCPT, for the next
  ``tempfail_remaining`` attempts (every attempt while it is ``None``).

``hold()`` makes the next DATA wait (after the server has the message) until
``release()``, so a test can kill a worker in the middle of a send.

For TLS and login, :func:`make_certificates` writes a throwaway CA and a server
certificate for 127.0.0.1, :func:`running_server` starts a server of a test's
own (STARTTLS with ``tls_context``, implicit TLS with ``ssl_context``), and
:class:`RecordingAuthenticator` keeps every login it was sent and whether the
connection was encrypted when it came.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import email
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

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
    with running_server() as server:
        yield server


@pytest.fixture
def smtp(smtp_server: SmtpServer) -> Iterator[SmtpServer]:
    """The session's SMTP server with an empty inbox and no tricks armed."""
    smtp_server.handler.reset()
    yield smtp_server
    smtp_server.handler.reset()


# --- TLS and login ---------------------------------------------------------------------------------

LOGIN, PASSWORD = "civic", "s3cret"


@dataclass(frozen=True)
class Certificates:
    """A throwaway CA (``ca_file``, what a client is told to trust) and a server certificate it signed."""

    ca_file: Path
    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def make_certificates(directory: Path, ip: str = "127.0.0.1") -> Certificates:
    """A CA and a certificate for ``ip`` only, valid for a day: nothing on disk outlives the test run."""
    now = dt.datetime.now(dt.UTC)
    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "civic tests CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
          .not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    server = (x509.CertificateBuilder()
              .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ip)])).issuer_name(ca_name)
              .public_key(server_key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
              .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip))]), critical=False)
              .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
              .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
              .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
              .sign(ca_key, hashes.SHA256()))
    directory.mkdir(parents=True, exist_ok=True)
    certificates = Certificates(directory / "ca.pem", directory / "server.pem", directory / "server.key")
    certificates.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    certificates.cert_file.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    certificates.key_file.write_bytes(_pem_key(server_key))
    return certificates


@dataclass
class RecordingAuthenticator:
    """Accepts LOGIN/PASSWORD; keeps (login, password, encrypted) for every attempt, right or wrong."""

    attempts: list[tuple[str, str, bool]] = field(default_factory=list)

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False)
        encrypted = server.transport.get_extra_info("ssl_object") is not None
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.attempts.append((login, password, encrypted))
        return AuthResult(success=(login, password) == (LOGIN, PASSWORD))


@contextmanager
def running_server(**options: Any) -> Iterator[SmtpServer]:
    """An SMTP server of the test's own, with aiosmtpd's options (TLS, AUTH), stopped afterwards."""
    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), ready_timeout=10, **options)
    controller.start()
    try:
        yield SmtpServer(host="127.0.0.1", port=int(controller.port), handler=handler)
    finally:
        handler.released.set()
        controller.stop()
