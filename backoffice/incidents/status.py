"""A public service's status as the public may see it: its state now, its open incidents with their public
updates only, its planned maintenance, the last 90 days, and its recent incidents for the Atom feed.

Everything returned is a small frozen record: the public apps reach this through ``backoffice.public``
and must not be able to lazy-load or change an incident. Internal updates, who raised an incident, what
staff wrote as affected and a probe's evidence never leave this module.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from backoffice.clocks.service_hours import LONDON
from backoffice.incidents import availability as measure
from backoffice.incidents import service_levels as levels
from backoffice.incidents.incidents import STATUS_NAMES
from backoffice.incidents.models import Incident, IncidentEvent, Maintenance, ProbeResult
from backoffice.incidents.service_levels import Priority
from shared.db import utcnow

OPERATIONAL = "operational"
DEGRADED = "degraded"
DOWN = "down"
STATE_NAMES = {OPERATIONAL: "Operational", DEGRADED: "Degraded performance", DOWN: "Not available"}
_RANK = {OPERATIONAL: 0, DEGRADED: 1, DOWN: 2}
#: What an open incident of each priority says of the service (P4 is cosmetic, P5 anything else).
PRIORITY_STATE = {Priority.P1: DOWN, Priority.P2: DEGRADED, Priority.P3: DEGRADED,
                  Priority.P4: OPERATIONAL, Priority.P5: OPERATIONAL}
IMPACT_NAMES = {Priority.P1: "Major outage", Priority.P2: "Significant disruption", Priority.P3: "Minor disruption",
                Priority.P4: "Cosmetic", Priority.P5: "Other"}
PROBE_STATE = {"fail": DOWN, "slow": DEGRADED, "partial": DEGRADED, "pass": OPERATIONAL}
DAYS = 90
FEED_LIMIT = 20


@dataclass(frozen=True)
class PublicUpdate:
    at: dt.datetime
    status_name: str
    text: str


@dataclass(frozen=True)
class PublicIncident:
    reference: str
    title: str
    priority: str
    impact: str
    status: str
    status_name: str
    received_at: dt.datetime
    resolved_at: dt.datetime | None
    #: The last public change: the feed entry's updated time.
    updated_at: dt.datetime
    updates: tuple[PublicUpdate, ...]

    @property
    def summary(self) -> str:
        latest = next((u for u in reversed(self.updates) if u.text), None)
        return latest.text if latest else f"{self.status_name}: {self.title}"


@dataclass(frozen=True)
class PlannedMaintenance:
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    #: Under way now (started, not ended).
    current: bool


@dataclass(frozen=True)
class StatusDay:
    """One London day: the worst incident that touched it and the availability measured that day."""

    day: dt.date
    worst_priority: str | None
    state: str
    state_name: str
    availability: str
    downtime_minutes: int
    incidents: tuple[str, ...]


@dataclass(frozen=True)
class ServiceStatus:
    service: str
    name: str
    as_of: dt.datetime
    state: str
    state_name: str
    #: The latest probe result seen, if recent enough to say anything.
    checked_at: dt.datetime | None
    open_incidents: tuple[PublicIncident, ...]
    maintenance: tuple[PlannedMaintenance, ...]
    days: tuple[StatusDay, ...]
    #: Incidents resolved within the days shown, newest first.
    recent: tuple[PublicIncident, ...]
    #: Over the days shown, against the target.
    availability: str
    target: str


@dataclass(frozen=True)
class IncidentFeed:
    service: str
    name: str
    #: The latest change of any entry; None when there has never been an incident.
    updated: dt.datetime | None
    entries: tuple[PublicIncident, ...]


def public_title(incident: Incident) -> str:
    """A security incident or personal data breach is shown by its impact alone: its own title may say what
    was attacked or whose data, which the public page and its feed must not (its public updates say what
    the body chooses to)."""
    return IMPACT_NAMES[Priority(incident.priority)] if incident.security else incident.title


def _public(session: Session, incidents: Sequence[Incident]) -> list[PublicIncident]:
    """The incidents with their public updates, from one query for all their timelines."""
    events: dict[int, list[IncidentEvent]] = defaultdict(list)
    if incidents:
        for event in session.scalars(select(IncidentEvent)
                                     .where(IncidentEvent.incident_id.in_([i.id for i in incidents]))
                                     .order_by(IncidentEvent.incident_id, IncidentEvent.at, IncidentEvent.id)):
            events[event.incident_id].append(event)
    found: list[PublicIncident] = []
    for incident in incidents:
        status = ""
        updates: list[PublicUpdate] = []
        for event in events[incident.id]:
            status = event.status or status
            if event.public:
                updates.append(PublicUpdate(event.at, STATUS_NAMES.get(status, status.capitalize()), event.text))
        priority = Priority(incident.priority)
        updated = max([incident.received_at, *(u.at for u in updates)])
        found.append(PublicIncident(
            reference=incident.reference, title=public_title(incident), priority=priority.value,
            impact=IMPACT_NAMES[priority], status=incident.status,
            status_name=STATUS_NAMES.get(incident.status, incident.status), received_at=incident.received_at,
            resolved_at=incident.resolved_at, updated_at=updated, updates=tuple(updates)))
    return found


def _worst(states: Sequence[str]) -> str:
    return max(states, key=_RANK.__getitem__, default=OPERATIONAL)


def _probe_state(session: Session, service: levels.Service, now: dt.datetime) -> tuple[str, dt.datetime | None]:
    latest = session.execute(select(ProbeResult.outcome, ProbeResult.at)
                             .where(ProbeResult.service == service.value, ProbeResult.at <= now)
                             .order_by(ProbeResult.at.desc()).limit(1)).first()
    if latest is None or now - latest[1] > measure.STALE:
        return OPERATIONAL, None
    return PROBE_STATE.get(latest[0], OPERATIONAL), latest[1]


def _maintenance(session: Session, service: levels.Service, now: dt.datetime) -> list[PlannedMaintenance]:
    rows = session.scalars(select(Maintenance)
                           .where(Maintenance.service.in_((service.value, "")), Maintenance.cancelled_at.is_(None),
                                  Maintenance.ends_at > now)
                           .order_by(Maintenance.starts_at, Maintenance.id))
    return [PlannedMaintenance(m.title, m.starts_at, m.ends_at, m.starts_at <= now) for m in rows]


def _day_state(worst: Priority | None, downtime: dt.timedelta) -> str:
    state = PRIORITY_STATE[worst] if worst else OPERATIONAL
    return _worst([state, DEGRADED if downtime > dt.timedelta(0) else OPERATIONAL])


def service_status(session: Session, service: levels.Service | str, now: dt.datetime | None = None) -> ServiceStatus:
    """The status page of one service, as of ``now``."""
    chosen = levels.parse_service(service)
    moment = (now or utcnow()).astimezone(dt.UTC)
    today = moment.astimezone(LONDON).date()
    first = today - dt.timedelta(days=DAYS - 1)
    window_start = measure.london_midnight(first)
    touched = list(session.scalars(
        select(Incident).where(Incident.service == chosen.value, Incident.received_at <= moment,
                               or_(Incident.resolved_at.is_(None), Incident.resolved_at >= window_start))
        .order_by(Incident.received_at.desc(), Incident.id.desc())))
    public = {p.reference: p for p in _public(session, touched)}
    open_incidents = [public[i.reference] for i in touched if i.resolved_at is None and i.closed_at is None]
    recent = sorted((public[i.reference] for i in touched if i.resolved_at is not None),
                    key=lambda p: p.resolved_at or p.received_at, reverse=True)
    probe_state, checked_at = _probe_state(session, chosen, moment)
    state = _worst([probe_state, *(PRIORITY_STATE[Priority(p.priority)] for p in open_incidents)])

    measured = measure.availability_by_day(session, chosen, first, today, moment)
    days: list[StatusDay] = []
    for entry in measured:
        begin = measure.london_midnight(entry.day)
        end = measure.london_midnight(entry.day + dt.timedelta(days=1))
        that_day = [i for i in touched if i.received_at < end and (i.resolved_at is None or i.resolved_at >= begin)]
        worst = min((Priority(i.priority) for i in that_day), default=None)  # "P1" sorts first
        day_state = _day_state(worst, entry.figures.downtime)
        figures = entry.figures
        days.append(StatusDay(day=entry.day, worst_priority=worst.value if worst else None, state=day_state,
                              state_name=STATE_NAMES[day_state],
                              availability=figures.percent if figures.scheduled else "outside hours",
                              downtime_minutes=round(figures.downtime.total_seconds() / 60),
                              incidents=tuple(sorted(i.reference for i in that_day))))
    whole = measure.Availability(
        service=chosen.value, start=window_start, end=moment,
        scheduled=sum((d.figures.scheduled for d in measured), dt.timedelta()),
        maintenance=sum((d.figures.maintenance for d in measured), dt.timedelta()),
        no_data=sum((d.figures.no_data for d in measured), dt.timedelta()),
        downtime=sum((d.figures.downtime for d in measured), dt.timedelta()))
    return ServiceStatus(
        service=chosen.value, name=chosen.label, as_of=moment, state=state, state_name=STATE_NAMES[state],
        checked_at=checked_at, open_incidents=tuple(open_incidents),
        maintenance=tuple(_maintenance(session, chosen, moment)), days=tuple(reversed(days)), recent=tuple(recent),
        availability=whole.percent, target=f"{levels.AVAILABILITY_TARGET * 100:.1f}%")


def incident_feed(session: Session, service: levels.Service | str, limit: int = FEED_LIMIT) -> IncidentFeed:
    """The service's latest incidents, newest first, for its Atom feed."""
    chosen = levels.parse_service(service)
    rows = list(session.scalars(select(Incident).where(Incident.service == chosen.value)
                                .order_by(Incident.received_at.desc(), Incident.id.desc()).limit(limit)))
    entries = sorted(_public(session, rows), key=lambda p: p.updated_at, reverse=True)
    return IncidentFeed(service=chosen.value, name=chosen.label,
                        updated=max((e.updated_at for e in entries), default=None), entries=tuple(entries))
