"""How a message leaves the suite: SMTP, GOV.UK Notify, or (development) kept locally.

A transport either returns (the message is accepted), raises
:class:`PermanentFailure` (this message can never be delivered: do not retry),
or raises anything else (try again later with backoff).
"""

from __future__ import annotations

import datetime as dt
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Protocol

from shared.settings import Settings

#: Seconds to wait on the SMTP server; well inside the queue's five-minute lease.
SMTP_TIMEOUT = 30.0


class PermanentFailure(Exception):
    """The receiving side refused this message for good (e.g. 550 no such user)."""


class MailNotConfigured(RuntimeError):
    """Production with no SMTP_HOST or NOTIFY_API_KEY: mail waits in the queue until one is set."""


@dataclass(frozen=True)
class Outgoing:
    """What a transport needs, copied out of the outbox row so no database lock is held while sending."""

    outbox_id: int
    to_address: str
    subject: str
    body_text: str
    message_id: str
    created_at: dt.datetime


class Transport(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def kept_locally(self) -> bool: ...

    def send(self, mail: Outgoing) -> None: ...


def build_message(mail: Outgoing, settings: Settings) -> EmailMessage:
    """A plain-text UTF-8 message; quoted-printable so it survives servers without 8BITMIME."""
    message = EmailMessage()
    message["From"] = Address(display_name=settings.org_name, addr_spec=settings.mail_from)
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Message-ID"] = mail.message_id
    # The time it was written, so every retry is byte-for-byte the same message.
    message["Date"] = format_datetime(mail.created_at)
    message.set_content(mail.body_text, subtype="plain", charset="utf-8", cte="quoted-printable")
    return message


def _is_permanent(code: int) -> bool:
    return 500 <= code < 600


@dataclass(frozen=True)
class SmtpTransport:
    settings: Settings
    name: str = "smtp"
    kept_locally: bool = False

    def send(self, mail: Outgoing) -> None:
        settings = self.settings
        assert settings.smtp_host is not None
        if settings.smtp_username and not (settings.smtp_tls or settings.smtp_starttls):
            # load_settings refuses this; a Settings built another way must not leak the password either.
            raise MailNotConfigured("SMTP_USERNAME is set but neither SMTP_TLS nor SMTP_STARTTLS: the password "
                                    "would be sent in clear, so nothing is sent")
        message = build_message(mail, settings)
        try:
            with self._connect() as smtp:
                if settings.smtp_starttls:
                    smtp.starttls(context=tls_context(settings))  # raises unless the server upgrades: never clear
                if settings.smtp_username:
                    smtp.login(settings.smtp_username, settings.smtp_password or "")
                smtp.send_message(message, from_addr=settings.mail_from, to_addrs=[mail.to_address])
        except smtplib.SMTPRecipientsRefused as exc:
            replies = list(exc.recipients.values())
            if replies and all(_is_permanent(code) for code, _ in replies):
                raise PermanentFailure(_describe_replies(replies)) from exc
            raise
        except smtplib.SMTPDataError as exc:
            # 5xx after DATA refuses this message (too big, content rejected); 4xx is "later".
            if _is_permanent(exc.smtp_code):
                raise PermanentFailure(_describe_replies([(exc.smtp_code, exc.smtp_error)])) from exc
            raise


    def _connect(self) -> smtplib.SMTP:
        settings = self.settings
        assert settings.smtp_host is not None
        if settings.smtp_tls:
            return smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT,
                                    context=tls_context(settings))
        return smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT)


def tls_context(settings: Settings) -> ssl.SSLContext:
    """Certificate and host name always verified; SMTP_CA_FILE only changes whom to trust (a private CA)."""
    return ssl.create_default_context(cafile=settings.smtp_ca_file)


def _describe_replies(replies: Sequence[tuple[int, bytes | str]]) -> str:
    def text(value: bytes | str) -> str:
        return value.decode("utf-8", "replace") if isinstance(value, bytes) else value

    return "; ".join(f"{code} {text(reply)}" for code, reply in replies)


@dataclass(frozen=True)
class NotifyTransport:
    """GOV.UK Notify with one template whose body is ``((body))`` and subject ``((subject))``.

    Notify does not take a Message-ID, so ours goes in ``reference`` instead and
    can be matched against Notify's own records.
    """

    settings: Settings
    name: str = "notify"
    kept_locally: bool = False

    def send(self, mail: Outgoing) -> None:
        from notifications_python_client.errors import HTTPError
        from notifications_python_client.notifications import NotificationsAPIClient

        if not self.settings.notify_template_id:
            raise MailNotConfigured("NOTIFY_API_KEY is set but NOTIFY_TEMPLATE_ID is not")
        client = NotificationsAPIClient(self.settings.notify_api_key)
        try:
            client.send_email_notification(
                email_address=mail.to_address,
                template_id=self.settings.notify_template_id,
                personalisation={"subject": mail.subject, "body": mail.body_text},
                reference=mail.message_id,
            )
        except HTTPError as exc:
            # A 400 about the recipient will never succeed; other 400s (a wrong
            # template id) are configuration, fixed by an operator, so retry.
            detail = str(exc)
            if exc.status_code == 400 and ("email_address" in detail or "recipient" in detail):
                raise PermanentFailure(detail) from exc
            raise


@dataclass(frozen=True)
class KeptTransport:
    """Development with no transport: nothing leaves the machine; /dev/mail shows the message."""

    name: str = "kept"
    kept_locally: bool = True

    def send(self, mail: Outgoing) -> None:
        return None


def choose_transport(settings: Settings) -> Transport:
    """Notify when its key is set, else SMTP, else (development only) keep it locally."""
    if settings.notify_api_key:
        return NotifyTransport(settings)
    if settings.smtp_host:
        return SmtpTransport(settings)
    if settings.is_production:
        raise MailNotConfigured("no mail transport: set SMTP_HOST or NOTIFY_API_KEY; mail is waiting in the queue")
    return KeptTransport()
