"""Outgoing email: one outbox, one ``mail.send`` job, and a transport chosen from settings.

Features call :func:`send_email` inside their own transaction and never wait on
a mail server; the worker delivers (SMTP, GOV.UK Notify, or in development keeps
the message for /backoffice/dev/mail) and records what happened on the
:class:`OutboxMessage` so undelivered mail can be shown on the case it belongs to.
"""

from shared.mail.addresses import ADDRESS_ERROR, address_error
from shared.mail.delivery import JOB_KINDS, deliver, give_up
from shared.mail.models import PENDING, SENT, UNDELIVERED, OutboxMessage
from shared.mail.outbox import (
    JOB_KIND,
    MAX_ATTEMPTS,
    InvalidEmailAddress,
    kept_message,
    kept_messages,
    messages_for,
    send_email,
    undelivered_since,
    validate_address,
)
from shared.mail.transports import MailNotConfigured, PermanentFailure, build_message, choose_transport

__all__ = [
    "ADDRESS_ERROR",
    "JOB_KIND",
    "JOB_KINDS",
    "MAX_ATTEMPTS",
    "PENDING",
    "SENT",
    "UNDELIVERED",
    "InvalidEmailAddress",
    "MailNotConfigured",
    "OutboxMessage",
    "PermanentFailure",
    "address_error",
    "build_message",
    "choose_transport",
    "deliver",
    "give_up",
    "kept_message",
    "kept_messages",
    "messages_for",
    "send_email",
    "undelivered_since",
    "validate_address",
]
