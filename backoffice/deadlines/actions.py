"""A case's clock at work: extensions, stops, restarts and clarification.

The due date is never patched: each action appends a clock event and the date
is recomputed from the date of receipt and every event so far
(``due_dates``), so it can always be explained. A refusal from the engine
(extending twice, resuming a running clock) becomes a Conflict the web and API
layers show as such. Every change is audited against the case.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from backoffice.cases import events
from backoffice.cases.models import Case, ClockEventRecord, StatusKind
from backoffice.clocks import ClockError, ClockEvent, Deadline, EventKind
from backoffice.deadlines.due_dates import case_deadline, deadline_of, events_of
from backoffice.deadlines.state import PAUSES, PauseReason, waiting_for
from backoffice.intake.new_cases import today_in_london
from shared import audit
from shared.errors import Conflict, InvalidInput


def _apply(session: Session, actor: audit.Actor, case: Case, event: ClockEvent, summary: str) -> Deadline:
    if case.status.kind == StatusKind.CLOSED:
        raise Conflict("The case is closed: reopen it before changing its clock")
    if event.on > today_in_london():
        raise InvalidInput("The date cannot be in the future", {"on": "Date must be today or in the past"})
    try:
        deadline = case_deadline(session, case, (*events_of(session, case), event))
    except ClockError as exc:
        raise Conflict(str(exc)) from exc
    session.add(ClockEventRecord(case_id=case.id, kind=event.kind.value, on=event.on, reason=event.reason, days=event.days))
    previous = case.due_on
    case.due_on = deadline.due_on
    due = "clock stopped" if deadline.due_on is None else f"due {deadline.due_on:%-d %B %Y}"
    audit.record(session, actor, "case.clock_changed", "case", case.reference, f"{summary}; {due}",
                 {"event": event.kind.value, "on": event.on.isoformat(), "reason": event.reason,
                  "previous_due_on": previous.isoformat() if previous else None,
                  "due_on": deadline.due_on.isoformat() if deadline.due_on else None})
    events.publish(session, events.ClockChanged(case.id, actor, change=event.kind.value, previous_due_on=previous,
                                                due_on=deadline.due_on))
    return deadline


def extend(session: Session, actor: audit.Actor, case: Case, reason: str, on: dt.date | None = None) -> Deadline:
    """The type's statutory extension: FOI public interest (+N working days), EIR to 40, SAR two more months."""
    reason = reason.strip()
    if not reason or len(reason) > 2000:
        raise InvalidInput("Give the reason for the extension", {"reason": "Enter the reason, up to 2000 characters"})
    event = ClockEvent(EventKind.EXTENDED, on or today_in_london(), reason=reason)
    return _apply(session, actor, case, event, f"Deadline extended: {reason}")


def pause(session: Session, actor: audit.Actor, case: Case, reason: PauseReason | str, note: str = "",
          on: dt.date | None = None) -> Deadline:
    try:
        why = PauseReason(reason)
    except ValueError as exc:
        raise InvalidInput("Say why the clock stops", {"reason": "Select fee, clarification or identity"}) from exc
    if waiting_for(session, case) is not None:
        raise Conflict("The clock is already stopped")
    start, _end = PAUSES[why]
    event = ClockEvent(start, on or today_in_london(), reason=note.strip()[:2000] or None)
    return _apply(session, actor, case, event, f"Clock stopped: {start.label}")


def resume(session: Session, actor: audit.Actor, case: Case, on: dt.date | None = None) -> Deadline:
    why = waiting_for(session, case)
    if why is None:
        raise Conflict("The clock is running: there is nothing to resume")
    _start, end = PAUSES[why]
    return _apply(session, actor, case, ClockEvent(end, on or today_in_london()), f"Clock restarted: {end.label}")


def clarification(session: Session, actor: audit.Actor, case: Case, *, requested_on: dt.date | None = None,
                  received_on: dt.date | None = None) -> Deadline:
    """Record clarification asked for, answered, or both at once."""
    if requested_on is None and received_on is None:
        raise InvalidInput("Give a date", {"requested_on": "Enter when clarification was asked for or received"})
    deadline = deadline_of(session, case)
    if requested_on is not None:
        deadline = pause(session, actor, case, PauseReason.CLARIFICATION, on=requested_on)
    if received_on is not None:
        if waiting_for(session, case) != PauseReason.CLARIFICATION:
            raise Conflict("No clarification has been asked for")
        deadline = _apply(session, actor, case, ClockEvent(EventKind.CLARIFICATION_RECEIVED, received_on),
                          "Clarification received")
    return deadline
