"""Email that never arrived: shown on its case, its owner told once, and a daily digest to the body's contacts for it.

``shared.mail`` marks a message undelivered but cannot know about cases, so a
scheduled sweep here finds case emails newly given up on and tells each case's
owner. A row in ``undelivered_email_notices`` per message makes that happen
once, however many workers sweep or how often; a row per day in
``undelivered_email_digests`` does the same for the digest.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, ForeignKey, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from backoffice.cases.models import Case
from backoffice.notifications.catalogue import Notice
from backoffice.notifications.dispatch import notify
from backoffice.notifications.subscribers import owner_email
from backoffice.organisation.contacts import digest_recipients
from shared import jobs
from shared.apps import Schedule
from shared.db import Base, utcnow
from shared.mail import UNDELIVERED, OutboxMessage, send_email

LONDON = ZoneInfo("Europe/London")
SWEEP_KIND = "backoffice.notifications.undelivered"
DIGEST_KIND = "backoffice.notifications.undelivered_digest"
#: Look no further back than this for messages nobody has been told about: keeps the sweep on the index.
LOOKBACK = dt.timedelta(days=7)
#: The digest lists at most this many messages; the count above the list is always the whole day's.
DIGEST_LIST_LIMIT = 500


class UndeliveredNotice(Base):
    """The owner has been told (or there was nobody to tell) about this undelivered message."""

    __tablename__ = "undelivered_email_notices"

    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox_messages.id", ondelete="CASCADE"), primary_key=True)
    case_reference: Mapped[str] = mapped_column(String(100))
    told: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class UndeliveredDigest(Base):
    """The digest for one London day has been dealt with (sent, or nothing to send)."""

    __tablename__ = "undelivered_email_digests"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    messages: Mapped[int] = mapped_column(default=0)
    recipients: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


def undelivered_for_case(session: Session, reference: str) -> list[OutboxMessage]:
    """For the case page: every email about the case that could not be delivered, oldest first."""
    stmt = (select(OutboxMessage)
            .where(OutboxMessage.related_type == "case", OutboxMessage.related_id == reference,
                   OutboxMessage.status == UNDELIVERED)
            .order_by(OutboxMessage.failed_at, OutboxMessage.id))
    return list(session.scalars(stmt))


def _claim(session: Session, row: Base) -> bool:
    """Insert a marker row; False when another worker already has (the unique key refuses a second)."""
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True


def tell_owners(session: Session, payload: dict[str, Any], context: jobs.JobContext) -> None:
    """Each case email newly undelivered: tell the case's owner, once."""
    stmt = (select(OutboxMessage, Case)
            .join(Case, Case.reference == OutboxMessage.related_id)
            .outerjoin(UndeliveredNotice, UndeliveredNotice.outbox_id == OutboxMessage.id)
            .where(OutboxMessage.status == UNDELIVERED, OutboxMessage.related_type == "case",
                   OutboxMessage.failed_at >= utcnow() - LOOKBACK, UndeliveredNotice.outbox_id.is_(None))
            .order_by(OutboxMessage.id))
    for message, case in session.execute(stmt).all():
        owner = owner_email(session, case)
        # A notice that bounced from the owner's own address must not beget another one to it.
        to = owner if owner and owner != message.to_address else None
        if not _claim(session, UndeliveredNotice(outbox_id=message.id, case_reference=case.reference, told=to)):
            continue
        if to:
            notify(session, context.settings, Notice.UNDELIVERED_EMAIL, case, [to],
                 detail=f"“{message.subject}” to {message.to_address}. {message.last_error or ''}".strip())


def london_day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """00:00 to 24:00 of ``day`` in London, as UTC instants (23 or 25 hours long when the clocks change)."""
    start = dt.datetime.combine(day, dt.time(0), tzinfo=LONDON)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=LONDON)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def undelivered_on(session: Session, day: dt.date) -> list[OutboxMessage]:
    start, end = london_day_bounds(day)
    return list(session.scalars(select(OutboxMessage).where(
        OutboxMessage.status == UNDELIVERED, OutboxMessage.failed_at >= start, OutboxMessage.failed_at < end)
        .order_by(OutboxMessage.failed_at, OutboxMessage.id)))


def digest_text(day: dt.date, messages: list[OutboxMessage], org_name: str) -> tuple[str, str]:
    subject = f"Undelivered emails on {day:%-d %B %Y}: {len(messages)}"
    lines = [f"{len(messages)} email{'s' if len(messages) != 1 else ''} sent by {org_name}'s case management "
             f"could not be delivered on {day:%A %-d %B %Y}.", ""]
    for message in messages[:DIGEST_LIST_LIMIT]:
        when = message.failed_at.astimezone(LONDON).strftime("%H:%M") if message.failed_at else ""
        about = f"case {message.related_id}" if message.related_type == "case" else (message.related_type or "no case")
        lines.append(f"- {when} to {message.to_address} ({about}): {message.subject}")
        if message.last_error:
            lines.append(f"  {message.last_error[:300]}")
    if len(messages) > DIGEST_LIST_LIMIT:
        lines.append(f"… and {len(messages) - DIGEST_LIST_LIMIT} more.")
    lines += ["", "Check each address with the requester or colleague, then send the email again from the case."]
    return subject, "\n".join(lines) + "\n"


def send_digest(session: Session, payload: dict[str, Any], context: jobs.JobContext) -> None:
    """Yesterday's (London) undelivered emails to the digest recipients, once per day.

    Runs several times a day so a worker that was down at midnight still sends
    it; a day with nothing undelivered, or nobody to send to, sends nothing.
    """
    day = utcnow().astimezone(LONDON).date() - dt.timedelta(days=1)
    if session.get(UndeliveredDigest, day) is not None:
        return
    messages = undelivered_on(session, day)
    recipients = digest_recipients(session) if messages else []
    if not _claim(session, UndeliveredDigest(day=day, messages=len(messages), recipients=len(recipients))):
        return
    subject, body = digest_text(day, messages, context.settings.org_name)
    for address in recipients:
        send_email(session, address, subject, body, related_type="undelivered_digest", related_id=day.isoformat())


JOB_KINDS = {
    SWEEP_KIND: jobs.JobKind(handle=tell_owners),
    DIGEST_KIND: jobs.JobKind(handle=send_digest),
}
SCHEDULES = (Schedule(kind=SWEEP_KIND, every_seconds=120), Schedule(kind=DIGEST_KIND, every_seconds=900))
