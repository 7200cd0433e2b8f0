"""Putting mail in the outbox, and reading it back for the features that show it.

``send_email`` never talks to a mail server: it only records the message and a
``mail.send`` job in the caller's transaction. That way an email exists exactly
when the change that caused it was committed, and a slow or broken mail server
never slows down or breaks a web request.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared import jobs
from shared.errors import InvalidInput
from shared.mail.models import PENDING, UNDELIVERED, OutboxMessage

JOB_KIND = "mail.send"
#: Transient failures are retried with the queue's backoff (5 s … about 10 min) this many times in all.
MAX_ATTEMPTS = 8
#: The right-hand side of generated Message-IDs. ``.invalid`` (RFC 2606) can never
#: be a real domain, so our IDs cannot collide with anyone else's, and no
#: internal host name leaks into mail sent to the public.
MESSAGE_ID_DOMAIN = "civic-correspondence.invalid"
ADDRESS_ERROR = "Enter an email address in the correct format, like name@example.com"

_LOCAL_PART = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
_TLD = re.compile(r"^([A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})$")


class InvalidEmailAddress(InvalidInput):
    """The address cannot be mailed; ``errors["email"]`` is the GOV.UK message to show."""

    def __init__(self, address: str) -> None:
        super().__init__(f"not a valid email address: {address!r}", errors={"email": ADDRESS_ERROR})


def validate_address(address: str) -> str:
    """The address as it will be mailed, or :class:`InvalidEmailAddress`.

    Deliberately strict (a dot-atom local part and a real-looking host name) so
    that what we accept, SMTP servers and GOV.UK Notify accept too; a
    non-ASCII domain is converted to its IDNA form.
    """
    candidate = address.strip() if isinstance(address, str) else ""
    local, at, domain = candidate.rpartition("@")
    if not at or not local or not domain or len(candidate) > 254 or len(local) > 64:
        raise InvalidEmailAddress(address)
    if not _LOCAL_PART.match(local):
        raise InvalidEmailAddress(address)
    try:
        ascii_domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise InvalidEmailAddress(address) from exc
    labels = ascii_domain.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels) or not _TLD.match(labels[-1]):
        raise InvalidEmailAddress(address)
    return f"{local}@{ascii_domain}"


def new_message_id() -> str:
    return f"<{uuid.uuid4().hex}@{MESSAGE_ID_DOMAIN}>"


def send_email(
    session: Session,
    to: str,
    subject: str,
    body: str,
    *,
    related_type: str | None = None,
    related_id: str | int | None = None,
) -> OutboxMessage:
    """Queue one plain-text email in the caller's transaction; the worker sends it after commit.

    Never commits and never sends inline. The subject's line breaks are folded
    into spaces so text from a form can never inject a header.
    """
    to_address = validate_address(to)
    clean_subject = " ".join(subject.split())
    if not clean_subject:
        raise ValueError("an email needs a subject")
    if len(clean_subject) > 998:
        raise ValueError("subject longer than an email header line may be")
    message = OutboxMessage(
        to_address=to_address,
        subject=clean_subject,
        body_text=body,
        status=PENDING,
        attempts=0,
        message_id=new_message_id(),
        related_type=related_type,
        related_id=None if related_id is None else str(related_id),
        kept_locally=False,
    )
    session.add(message)
    session.flush()  # the job needs the id; still inside the caller's transaction
    jobs.enqueue(session, JOB_KIND, {"outbox_id": message.id}, max_attempts=MAX_ATTEMPTS)
    return message


def undelivered_since(session: Session, since: dt.datetime) -> list[OutboxMessage]:
    """Messages given up on at or after ``since``, oldest first: for alerts and case warnings."""
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.status == UNDELIVERED, OutboxMessage.failed_at >= since)
        .order_by(OutboxMessage.failed_at, OutboxMessage.id)
    )
    return list(session.scalars(stmt))


def messages_for(session: Session, related_type: str, related_id: str | int) -> list[OutboxMessage]:
    """Every message about one object (a case, a request), oldest first."""
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.related_type == related_type, OutboxMessage.related_id == str(related_id))
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
    )
    return list(session.scalars(stmt))


def kept_messages(session: Session, limit: int = 50) -> list[OutboxMessage]:
    """Mail kept locally in development, newest first: what /dev/mail lists."""
    stmt = select(OutboxMessage).where(OutboxMessage.kept_locally.is_(True)).order_by(OutboxMessage.id.desc()).limit(limit)
    return list(session.scalars(stmt))


def kept_message(session: Session, message_id: int) -> OutboxMessage | None:
    """One kept message, or None when there is none with that id (or it really went out)."""
    message = session.get(OutboxMessage, message_id)
    return message if message is not None and message.kept_locally else None
