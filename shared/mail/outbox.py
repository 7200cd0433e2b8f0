"""Putting mail in the outbox, and reading it back for the features that show it.

``send_email`` never talks to a mail server: it only records the message and a
``mail.send`` job in the caller's transaction. That way an email exists exactly
when the change that caused it was committed, and a slow or broken mail server
never slows down or breaks a web request. The address rule itself lives in
``shared.mail.addresses``, shared with every form that takes an address.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared import jobs
from shared.db import utcnow
from shared.mail.addresses import ADDRESS_ERROR, InvalidEmailAddress, address_error, validate_address
from shared.mail.models import PENDING, UNDELIVERED, OutboxMessage

__all__ = ["ADDRESS_ERROR", "JOB_KIND", "MAX_ATTEMPTS", "InvalidEmailAddress", "address_error", "kept_message",
           "kept_messages", "messages_for", "new_message_id", "send_email", "undelivered_since", "validate_address"]

log = logging.getLogger("civic.mail")

JOB_KIND = "mail.send"
#: Transient failures are retried with the queue's backoff (5 s … about 10 min) this many times in all.
MAX_ATTEMPTS = 8
#: The right-hand side of generated Message-IDs. ``.invalid`` (RFC 2606) can never
#: be a real domain, so our IDs cannot collide with anyone else's, and no
#: internal host name leaks into mail sent to the public.
MESSAGE_ID_DOMAIN = "civic-correspondence.invalid"


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

    Forms check addresses as they are typed (:func:`validate_address`); an
    address that reaches here unmailable was stored before that rule (a legacy
    row, an old import). Its email is recorded as undelivered at once, with no
    job, so it shows on its case like a bounce instead of failing the caller's
    change or a job that can never succeed.
    """
    clean_subject = " ".join(subject.split())
    if not clean_subject:
        raise ValueError("an email needs a subject")
    if len(clean_subject) > 998:
        raise ValueError("subject longer than an email header line may be")
    message = OutboxMessage(
        to_address=to,
        subject=clean_subject,
        body_text=body,
        status=PENDING,
        attempts=0,
        message_id=new_message_id(),
        related_type=related_type,
        related_id=None if related_id is None else str(related_id),
        kept_locally=False,
    )
    try:
        message.to_address = validate_address(to)
    except InvalidEmailAddress as exc:
        message.to_address = to[:320]
        message.status = UNDELIVERED
        message.failed_at = utcnow()
        message.last_error = f"InvalidEmailAddress: {exc}"[:2000]
        session.add(message)
        session.flush()
        log.warning("mail %s (%s %s) is undelivered: %s", message.id, related_type, related_id, exc)
        return message
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
