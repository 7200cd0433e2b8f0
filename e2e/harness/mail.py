"""An aiosmtpd mail sink: the suite's SMTP_HOST during the run, so journeys can follow real email links."""

from __future__ import annotations

import email
import email.policy
import re
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from e2e.harness.server import free_port

_URL = re.compile(r"https?://[^\s<>\"')]+")


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message.get("Subject", ""))

    @property
    def to(self) -> str:
        return str(self.message.get("To", ""))

    @property
    def text(self) -> str:
        """The plain-text body (or the HTML body when there is no plain part)."""
        part = self.message.get_body(preferencelist=("plain", "html"))
        return "" if part is None else str(part.get_content())

    @property
    def links(self) -> list[str]:
        """Every http(s) link in the body, in order."""
        return _URL.findall(self.text)

    def link(self, contains: str = "") -> str:
        for url in self.links:
            if contains in url:
                return url
        raise AssertionError(f"no link containing {contains!r} in the email {self.subject!r}:\n{self.text}")


class _Handler:
    def __init__(self, sink: MailSink) -> None:
        self.sink = sink

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.sink._add(ReceivedMail(envelope.mail_from, tuple(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


class MailSink:
    """``mailbox.wait_for(to="x@example.com", subject="Confirm")`` returns the first matching email."""

    def __init__(self, host: str = "127.0.0.1", port: int | None = None) -> None:
        self._messages: list[ReceivedMail] = []
        self._changed = threading.Condition()
        self.host = host
        # aiosmtpd checks its own port by connecting to it, so it cannot be 0: pick a free one.
        self.port = port or free_port()
        self.controller = Controller(_Handler(self), hostname=host, port=self.port)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    def _add(self, mail: ReceivedMail) -> None:
        with self._changed:
            self._messages.append(mail)
            self._changed.notify_all()

    @property
    def messages(self) -> list[ReceivedMail]:
        with self._changed:
            return list(self._messages)

    def clear(self) -> None:
        with self._changed:
            self._messages.clear()

    def wait_for(self, *, to: str | None = None, subject: str | None = None, timeout: float = 15.0) -> ReceivedMail:
        """Block until an email to ``to`` whose subject contains ``subject`` arrives (the newest wins)."""

        def match() -> ReceivedMail | None:
            for mail in reversed(self._messages):
                if to and to.lower() not in (r.lower() for r in mail.rcpt_tos):
                    continue
                if subject and subject.lower() not in mail.subject.lower():
                    continue
                return mail
            return None

        deadline = time.monotonic() + timeout
        with self._changed:
            while (found := match()) is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [(m.rcpt_tos, m.subject) for m in self._messages]
                    raise AssertionError(f"no email to={to!r} subject~{subject!r} within {timeout} s; received {seen}")
                self._changed.wait(remaining)
            return found
