"""Target attainment: per service and priority, the share of incidents resolved (and responded to) within
target over the preceding 12 months, with the incidents behind each figure.

Seed 001 promises 95 % per priority per service. An incident counts in the period it was resolved in (a
workaround counts: resolving records the time the user was told), and only once resolved: an open one
has no result yet. The due times compared are the stored ones, which every step of the incident keeps
equal to what :func:`backoffice.incidents.clock.compute` gives from the timeline (each move recorded
with its cause), so the figures are a single GROUP BY, not a clock replayed per incident. An incident
whose model sets no target for its priority (P5; Basic's resolve) is counted as having none, not as met.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from backoffice.incidents import service_levels as levels
from backoffice.incidents.models import Incident
from shared.db import utcnow

RESPONSE = "response"
RESOLVE = "resolve"
MEASURES = (RESPONSE, RESOLVE)


def year_before(when: dt.datetime) -> dt.datetime:
    """The same instant twelve months earlier (29 February falls back to the 28th)."""
    try:
        return when.replace(year=when.year - 1)
    except ValueError:
        return when.replace(year=when.year - 1, day=28)


@dataclass(frozen=True)
class Share:
    """One measure's figure: of the incidents with a target, how many met it."""

    with_target: int
    met: int
    target: float = levels.ATTAINMENT_TARGET

    @property
    def share(self) -> float | None:
        return self.met / self.with_target if self.with_target else None

    @property
    def percent(self) -> str:
        value = self.share
        return "no target" if value is None else f"{value * 100:.1f}%"

    @property
    def attained(self) -> bool | None:
        value = self.share
        return None if value is None else value >= self.target


@dataclass(frozen=True)
class Attainment:
    service: str
    priority: str
    resolved: int
    response: Share
    resolve: Share


@dataclass(frozen=True)
class Period:
    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True)
class AttainmentIncident:
    """One incident behind a figure, with both results (None: no target)."""

    reference: str
    title: str
    service: str
    priority: str
    received_at: dt.datetime
    responded_at: dt.datetime | None
    response_due_at: dt.datetime | None
    resolved_at: dt.datetime
    resolve_due_at: dt.datetime | None
    response_met: bool | None
    resolve_met: bool | None


def period(as_of: dt.datetime | None = None) -> Period:
    """The preceding 12 months, to ``as_of`` (now)."""
    end = (as_of or utcnow()).astimezone(dt.UTC)
    return Period(year_before(end), end)


def _in_period(span: Period) -> ColumnElement[bool]:
    return and_(Incident.resolved_at.is_not(None), Incident.resolved_at >= span.start, Incident.resolved_at < span.end)


def _met(done: InstrumentedAttribute[dt.datetime | None],
         due: InstrumentedAttribute[dt.datetime | None]) -> ColumnElement[int]:
    return func.sum(case((and_(due.is_not(None), done.is_not(None), done <= due), 1), else_=0))


def attainment(session: Session, as_of: dt.datetime | None = None,
               service: levels.Service | str | None = None) -> list[Attainment]:
    """Every (service, priority) with an incident resolved in the 12 months before ``as_of``, in order."""
    span = period(as_of)
    query = (select(Incident.service, Incident.priority, func.count(),
                    func.count(Incident.response_due_at), _met(Incident.responded_at, Incident.response_due_at),
                    func.count(Incident.resolve_due_at), _met(Incident.resolved_at, Incident.resolve_due_at))
             .where(_in_period(span)).group_by(Incident.service, Incident.priority)
             .order_by(Incident.service, Incident.priority))
    if service is not None:
        query = query.where(Incident.service == levels.parse_service(service).value)
    return [Attainment(service=row[0], priority=row[1], resolved=row[2], response=Share(row[3], row[4] or 0),
                       resolve=Share(row[5], row[6] or 0))
            for row in session.execute(query)]


def _result(done: dt.datetime | None, due: dt.datetime | None) -> bool | None:
    if due is None:
        return None
    return done is not None and done <= due


def incidents_behind(session: Session, service: levels.Service | str, priority: levels.Priority | str,
                     as_of: dt.datetime | None = None, missed_only: str | None = None) -> list[AttainmentIncident]:
    """The drill-down: the incidents one figure counts, oldest resolution first; ``missed_only`` set to
    "response" or "resolve" keeps those that missed that target."""
    span = period(as_of)
    chosen = levels.parse_service(service)
    level = levels.parse_priority(priority)
    rows = session.scalars(select(Incident).where(_in_period(span), Incident.service == chosen.value,
                                                  Incident.priority == level.value)
                           .order_by(Incident.resolved_at, Incident.id))
    found: list[AttainmentIncident] = []
    for row in rows:
        assert row.resolved_at is not None  # the period's filter
        item = AttainmentIncident(
            reference=row.reference, title=row.title, service=row.service, priority=row.priority,
            received_at=row.received_at, responded_at=row.responded_at, response_due_at=row.response_due_at,
            resolved_at=row.resolved_at, resolve_due_at=row.resolve_due_at,
            response_met=_result(row.responded_at, row.response_due_at),
            resolve_met=_result(row.resolved_at, row.resolve_due_at))
        if missed_only == RESPONSE and item.response_met is not False:
            continue
        if missed_only == RESOLVE and item.resolve_met is not False:
            continue
        found.append(item)
    return found
