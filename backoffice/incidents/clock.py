"""An incident's two clocks, computed from its received time and its timeline, and explained in words.

The response clock runs from the start of service time until the first response and does not pause; the
resolve clock pauses while awaiting the customer (service time only) and stops when the user is told it is
resolved. Both run from the original start whatever the priority becomes, so a reprioritised incident keeps
the time it has used and the time it was paused. The hours are the model the incident was raised under,
on the body's calendar as it is now (a bank holiday an administrator adds moves the deadlines it touches,
and the move is recorded with that cause).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.clocks import IncidentClock, IncidentEvent, IncidentEventKind, ServiceHours, ServiceTarget
from backoffice.clocks.service_hours import LONDON
from backoffice.incidents import service_levels as levels
from backoffice.incidents.models import Incident
from backoffice.incidents.models import IncidentEvent as TimelineEvent

PAUSED = "paused"
RESUMED = "resumed"
RESOLVED = "resolved"
RESPONDED = "responded"
_CLOCK_KINDS = {PAUSED: IncidentEventKind.AWAITING_CUSTOMER, RESUMED: IncidentEventKind.CUSTOMER_RESPONDED,
                RESOLVED: IncidentEventKind.RESOLVED}


@dataclass(frozen=True)
class TargetClock:
    """One target as it stands: the target (None when the model sets none), when it falls due, why."""

    name: str
    target: ServiceTarget | None
    due_at: dt.datetime | None
    stopped_at: dt.datetime | None
    explanation: str


@dataclass(frozen=True)
class IncidentClocks:
    hours: ServiceHours
    started_at: dt.datetime
    response: TargetClock
    resolve: TargetClock
    paused_time: dt.timedelta
    resolve_clock: IncidentClock
    response_clock: IncidentClock

    @property
    def explanation(self) -> str:
        return f"{self.response.explanation} {self.resolve.explanation}".strip()


def when(value: dt.datetime) -> str:
    """`10:15am on Mon 7 Dec 2026`, in London time as staff read it."""
    local = value.astimezone(LONDON)
    return f"{local:%-I:%M%p}".lower() + f" on {local:%a} {local.day} {local:%b %Y}"


def duration_in_words(value: dt.timedelta) -> str:
    minutes = int(value.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    parts = ([f"{hours} hour{'s' if hours != 1 else ''}"] if hours else []) + (
        [f"{minutes} minute{'s' if minutes != 1 else ''}"] if minutes or not hours else [])
    return " ".join(parts)


def _target_words(target: ServiceTarget, hours: ServiceHours) -> str:
    if target.unit == "hours":
        return f"{target.amount} service hour{'s' if target.amount != 1 else ''}"
    return (f"{target.amount} working day{'s' if target.amount != 1 else ''} "
            f"({duration_in_words(target.duration(hours))} of service time)")


def timeline(session: Session, incident: Incident) -> list[TimelineEvent]:
    return list(session.scalars(select(TimelineEvent).where(TimelineEvent.incident_id == incident.id)
                                .order_by(TimelineEvent.at, TimelineEvent.id)))


def compute(session: Session, incident: Incident, events: Sequence[TimelineEvent] | None = None) -> IncidentClocks:
    model = levels.ServiceModel(incident.service_model)
    hours = levels.service_hours(session, model)
    terms = levels.TERMS[model]
    priority = levels.Priority(incident.priority)
    events = timeline(session, incident) if events is None else events
    clock_events = [IncidentEvent(_CLOCK_KINDS[e.kind], e.at) for e in events if e.kind in _CLOCK_KINDS]
    resolve_clock = IncidentClock.compute(hours, incident.received_at, clock_events)
    response_events = [IncidentEvent(IncidentEventKind.RESOLVED, incident.responded_at)] if incident.responded_at else []
    response_clock = IncidentClock.compute(hours, incident.received_at, response_events)
    opening = _opening(incident.received_at, resolve_clock.started_at, hours, model)
    paused = sum((hours.elapsed(begin, end or dt.datetime.now(dt.UTC)) for begin, end in resolve_clock.paused),
                 dt.timedelta())
    response = _target_clock("response", terms.response.get(priority), response_clock, hours, model, priority,
                             opening, dt.timedelta())
    resolve = _target_clock("resolve", terms.resolve.get(priority), resolve_clock, hours, model, priority,
                            "", paused)
    return IncidentClocks(hours, resolve_clock.started_at, response, resolve, paused, resolve_clock, response_clock)


def _opening(received: dt.datetime, started: dt.datetime, hours: ServiceHours, model: levels.ServiceModel) -> str:
    terms = levels.TERMS[model]
    span = f"{terms.opens:%H:%M} to {terms.closes:%H:%M}, Monday to Friday, not on bank holidays"
    if started == received:
        return f"Received at {when(received)}, in service hours ({model.label}: {span})."
    return (f"Received at {when(received)}, out of service hours ({model.label}: {span}), so the clock started "
            f"at {when(started)}.")


def _target_clock(name: str, target: ServiceTarget | None, clock: IncidentClock, hours: ServiceHours,
                  model: levels.ServiceModel, priority: levels.Priority, opening: str,
                  paused: dt.timedelta) -> TargetClock:
    if target is None:
        why = (f"No {name} target: {priority.value} has none" if priority is levels.Priority.P5
               else f"No {name} target: the {model.label} service model sets none for {priority.value}")
        return TargetClock(name, None, None, clock.stopped_at, f"{opening} {why}.".strip())
    due = clock.due_at(target)
    words = f"{opening} The {priority.value} {name} target under {model.label} is {_target_words(target, hours)}"
    if paused:
        words += f"; {duration_in_words(paused)} of service time awaiting the customer is not counted"
    if due is None:
        words += ", so while it is awaiting the customer it has no due time."
    else:
        words += f", so it is due by {when(due)}."
    return TargetClock(name, target, due, clock.stopped_at, words.strip())
