"""The ``mail.send`` job: hand one outbox message to the configured transport.

Delivery is at least once. The handler records the attempt, sends with no
database lock held, then marks the message sent in the job's transaction. Under
normal running each message goes out once: a message that is no longer
``pending`` is never sent again. The one gap is a worker that dies *after* the
server accepted the message but *before* it committed "sent": its lease runs
out, another worker sends the message again, and the receiver gets a second
copy with the same Message-ID, by which it can de-duplicate. Losing a message
would be worse than that.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from shared import jobs
from shared.db import utcnow
from shared.mail.models import PENDING, SENT, UNDELIVERED, OutboxMessage
from shared.mail.outbox import JOB_KIND
from shared.mail.transports import MailNotConfigured, Outgoing, PermanentFailure, choose_transport

log = logging.getLogger("civic.mail")


@contextmanager
def _side_session(session: Session) -> Iterator[Session]:
    """A short transaction of its own, committed at once.

    On SQLite a transaction holds the database's write lock, so the job's own
    session is not touched until the send is over: a slow mail server must not
    hold up every web request. When the session is bound to one connection
    (a test's outer transaction) there is nothing to gain, so it is reused.
    """
    bind = session.get_bind()
    if not isinstance(bind, Engine):
        yield session
        return
    with Session(bind=bind, expire_on_commit=False) as side, side.begin():
        yield side


def _start_attempt(session: Session, outbox_id: int) -> Outgoing | None:
    """Count the attempt (committed, so it survives a crash) and copy the message out."""
    with _side_session(session) as side:
        message = side.get(OutboxMessage, outbox_id)
        if message is None or message.status != PENDING:
            return None
        message.attempts += 1
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


def _finish(session: Session, outbox_id: int, status: str, *, error: str | None = None, kept_locally: bool = False) -> None:
    message = session.get(OutboxMessage, outbox_id)
    if message is None or message.status != PENDING:
        return  # another worker got there first: its outcome stands
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
    _finish(session, int(payload["outbox_id"]), UNDELIVERED, error=error)


JOB_KINDS: dict[str, jobs.JobKind] = {JOB_KIND: jobs.JobKind(handle=deliver, give_up=give_up)}
