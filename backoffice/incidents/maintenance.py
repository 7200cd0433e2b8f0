"""Planned maintenance: downtime announced ahead, shown on the status page and kept apart from downtime.

Seed 001 (Table 2) allows planned downtime outside core business hours only (weekdays 6:30pm to 4am, all
day at weekends and on bank holidays) and only with six hours' notice. A window that breaks either is
refused here rather than on a page, so the status page, availability and any future API agree on one rule.
The regular nightly maintenance window (8pm to 4am) needs no row: it is the definition's, not an event.
"""

from __future__ import annotations

import datetime as dt
from datetime import time

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from backoffice.clocks import ServiceHours
from backoffice.incidents import service_levels as levels
from backoffice.incidents import times
from backoffice.incidents.clock import when
from backoffice.incidents.models import Maintenance
from backoffice.incidents.service_levels import Service
from backoffice.organisation.bank_holidays import deadline_engine
from backoffice.organisation.body import body_nation
from shared import audit
from shared.db import utcnow
from shared.errors import Conflict, InvalidInput, NotFound

#: Seed 001: "provided notice of such events are issued six hours prior".
NOTICE = dt.timedelta(hours=6)
#: Core business hours in which planned downtime may not fall (Table 2: downtime from 6:30pm to 4am).
CORE_HOURS = (time(4), time(18, 30))
#: Far enough ahead for any plan, and inside the bank-holiday calendars the rule is checked on.
HORIZON = dt.timedelta(days=366)
TITLE_LIMIT = 200
#: The service field's value for maintenance of every service at once.
ALL = "all"
_NO_FUTURE_CHECK = dt.datetime(9000, 1, 1, tzinfo=dt.UTC)


def core_hours(session: Session) -> ServiceHours:
    """Weekdays 4am to 6:30pm on the body's own calendar: the time planned downtime must not touch."""
    calendar = deadline_engine(session).calendars.calendar(body_nation(session))
    return ServiceHours.weekdays(*CORE_HOURS, calendar)


def schedule_maintenance(session: Session, actor: audit.Actor, *, service: object, title: object,
                         starts_at: dt.datetime, ends_at: dt.datetime,
                         now: dt.datetime | None = None) -> Maintenance:
    """Announce planned downtime of one service (or ``"all"`` for every one)."""
    if service == ALL:
        chosen = ""
    else:
        try:
            chosen = levels.parse_service(service).value
        except InvalidInput:
            raise InvalidInput("Select the service", {"service": "Select the service, or all services"}) from None
    heading = title.strip() if isinstance(title, str) else ""
    if not heading:
        raise InvalidInput("Enter a title", {"title": "Enter what the maintenance is for"})
    if len(heading) > TITLE_LIMIT:
        raise InvalidInput("The title is too long", {"title": f"Title must be {TITLE_LIMIT} characters or fewer"})
    moment = (now or utcnow()).astimezone(dt.UTC)
    start, end = starts_at.astimezone(dt.UTC), ends_at.astimezone(dt.UTC)
    if start < moment + NOTICE:
        raise InvalidInput("Planned downtime needs six hours' notice", {
            "starts_at": f"The start must be at least 6 hours from now: {when(moment + NOTICE)} or later"})
    if start > moment + HORIZON:
        raise InvalidInput("The start is too far ahead", {"starts_at": "The start must be within a year from now"})
    if end <= start:
        raise InvalidInput("The end must be after the start", {"ends_at": "The end must be after the start"})
    if end > start + HORIZON:
        raise InvalidInput("The end is too far ahead", {"ends_at": "The end must be within a year of the start"})
    hours = core_hours(session)
    if hours.elapsed(start, end):
        first = start if hours.is_open(start) else hours.next_opening(start)
        raise InvalidInput("Planned downtime must be outside core business hours", {
            "starts_at": f"The maintenance runs into core business hours at {when(first)}: plan it for 6:30pm "
                         "to 4am on a weekday, or at a weekend or on a bank holiday"})
    row = Maintenance(service=chosen, title=heading, starts_at=start, ends_at=end, created_by=actor.label)
    session.add(row)
    session.flush()
    audit.record(session, actor, "incident.maintenance_scheduled", "maintenance", row.id,
                 f"{heading}: {when(start)} to {when(end)}"
                 + (f" ({Service(chosen).label})" if chosen else " (all services)"))
    return row


def cancel_maintenance(session: Session, actor: audit.Actor, maintenance_id: int,
                       now: dt.datetime | None = None) -> Maintenance:
    """Withdraw an announcement before it ends; the row stays (the status page's history may show it)."""
    row = session.get(Maintenance, maintenance_id)
    if row is None:
        raise NotFound("No planned maintenance has that number")
    if row.cancelled_at is not None:
        raise Conflict(f"“{row.title}” was already cancelled")
    moment = (now or utcnow()).astimezone(dt.UTC)
    if row.ends_at <= moment:
        raise Conflict(f"“{row.title}” has already ended: it cannot be cancelled")
    row.cancelled_at = moment.replace(microsecond=0)
    audit.record(session, actor, "incident.maintenance_cancelled", "maintenance", row.id, row.title)
    return row


def upcoming_maintenance(session: Session, service: Service | str | None, now: dt.datetime) -> list[Maintenance]:
    """Maintenance not cancelled and not yet over (so including any under way), soonest first: that of
    ``service`` and that of every service; every service's with ``service`` None."""
    query = select(Maintenance).where(Maintenance.cancelled_at.is_(None), Maintenance.ends_at > now.astimezone(dt.UTC))
    if service is not None:
        query = query.where(or_(Maintenance.service == "", Maintenance.service == Service(service).value))
    return list(session.scalars(query.order_by(Maintenance.starts_at, Maintenance.id)))


def planned_time(day: str, clock: str, field: str) -> dt.datetime:
    """A London date and HH:MM ahead of now, refused in the skipped or repeated clock-change hour as
    :func:`~backoffice.incidents.times.parse_london` refuses them (which, for incidents, also refuses the
    future: a plan is checked against the notice and the horizon instead)."""
    return times.parse_london(day, clock, field, now=_NO_FUTURE_CHECK)
