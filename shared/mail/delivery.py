"""The ``mail.send`` job: hand one outbox message to the configured transport.

Delivery is at least once. The handler reads the message, sends with no
database lock held, then marks the message sent (and counts the attempt) in the
job's transaction; the job's claim has already counted the attempt on the job. Under
normal running each message goes out once: a message that is no longer
``pending`` is never sent again. The one gap is a worker that dies *after* the
server accepted the message but *before* it committed "sent": its lease runs
out, another worker sends the message again, and the receiver gets a second
copy with the same Message-ID, by which it can de-duplicate. Losing a message
would be worse than that. A message whose worker dies on every attempt is given
up on like one that keeps failing: after ``MAX_ATTEMPTS`` leases the queue calls
:func:`give_up` and the message is undelivered.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from shared import jobs
from shared.db import read_only, utcnow
from shared.mail.addresses import InvalidEmailAddress, validate_address
from shared.mail.models import PENDING, SENT, UNDELIVERED, OutboxMessage
from shared.mail.outbox import JOB_KIND
from shared.mail.transports import MailNotConfigured, Outgoing, PermanentFailure, choose_transport

log = logging.getLogger("civic.mail")


@contextmanager
def _side_session(session: Session, *, writes: bool = True) -> Iterator[Session]:
    """A short transaction of its own, committed at once.

    On SQLite a transaction that writes holds the database's write lock, so the
    job's own session is not touched until the send is over: a slow mail server
    must not hold up every web request. When the session is bound to one
    connection (a test's outer transaction) there is nothing to gain, so it is reused.
    """
    bind = session.get_bind()
    if not isinstance(bind, Engine):
        yield session
        return
    side = Session(bind=bind, expire_on_commit=False)
    if not writes:
        read_only(side)
    with side, side.begin():
        yield side


def _start_attempt(session: Session, outbox_id: int) -> Outgoing | None:
    """Copy the message out, unless it has already gone, without taking the write lock.

    The attempt is counted with its outcome (:func:`_finish`, :func:`_note_error`);
    a worker that dies mid-send leaves the count to the job's own attempts.
    """
    with _side_session(session, writes=False) as side:
        message = side.get(OutboxMessage, outbox_id)
        if message is None or message.status != PENDING:
            return None
        return Outgoing(
            outbox_id=message.id,
            to_address=message.to_address,
            subject=message.subject,
            body_text=message.body_text,
            message_id=message.message_id,
            created_at=message.created_at,
        )


def _note_error(session: Session, outbox_id: int, error: str) -> None:
    """Keep the latest transient error on the message although the job's transaction rolls back."""
    with _side_session(session) as side:
        message = side.get(OutboxMessage, outbox_id)
        if message is not None and message.status == PENDING:
            message.attempts += 1
            message.last_error = error[:2000]


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def deliver(session: Session, payload: dict[str, Any], context: jobs.JobContext) -> None:
    """Send one message unless it has already gone (or failed for good)."""
    outbox_id = int(payload["outbox_id"])
    mail = _start_attempt(session, outbox_id)
    if mail is None:
        return
    try:
        validate_address(mail.to_address)
    except InvalidEmailAddress as exc:  # a row queued before the one address rule: it can never be sent
        log.warning("mail %s cannot be sent: %s", outbox_id, exc)
        _finish(session, outbox_id, UNDELIVERED, error=_describe(exc), attempted=False)
        return
    try:
        transport = choose_transport(context.settings)
        transport.send(mail)
    except PermanentFailure as exc:
        log.warning("mail %s to %s refused for good: %s", outbox_id, mail.to_address, exc)
        _finish(session, outbox_id, UNDELIVERED, error=_describe(exc))
        return
    except MailNotConfigured as exc:
        log.error("mail %s cannot be sent: %s", outbox_id, exc)
        _note_error(session, outbox_id, _describe(exc))
        raise
    except Exception as exc:
        _note_error(session, outbox_id, _describe(exc))
        raise
    _finish(session, outbox_id, SENT, kept_locally=transport.kept_locally)


def _finish(session: Session, outbox_id: int, status: str, *, error: str | None = None, kept_locally: bool = False,
            attempted: bool = True) -> None:
    message = session.get(OutboxMessage, outbox_id)
    if message is None or message.status != PENDING:
        return  # another worker got there first: its outcome stands
    if attempted:
        message.attempts += 1
    message.status = status
    if status == SENT:
        message.sent_at = utcnow()
        message.kept_locally = kept_locally
        message.last_error = None
    else:
        message.failed_at = utcnow()
        message.last_error = (error or "")[:2000]


def give_up(session: Session, payload: dict[str, Any], error: str) -> None:
    """Out of retries: the message is undelivered, with the last error for staff to read."""
    _finish(session, int(payload["outbox_id"]), UNDELIVERED, error=error, attempted=False)  # counted by _note_error


JOB_KINDS: dict[str, jobs.JobKind] = {JOB_KIND: jobs.JobKind(handle=deliver, give_up=give_up)}
