"""A case's due date: for a new case from its date of receipt, for an open one from its clock events too.

The due date is never patched: it is always the engine's answer for the
effective rule, the body's calendars (with the stored bank-holiday
adjustments) and the events so far, so intake, the clock actions, the case page
and the sweeps can never disagree about it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases.models import Case, CaseType, ClockEventRecord
from backoffice.clocks import ClockEvent, Deadline, DeadlineEngine, EventKind, WorkingDayCalendar
from backoffice.deadlines.rules import case_rule, effective_rule
from backoffice.organisation.bank_holidays import deadline_engine
from backoffice.organisation.body import body_nation


def compute_deadline(
    session: Session, case_type: CaseType, received_on: dt.date, events: tuple[ClockEvent, ...] = (), *,
    engine: DeadlineEngine | None = None,
) -> Deadline:
    """The one place a case's clock is run: a new case has no ``events`` yet."""
    return (engine or deadline_engine(session)).compute(
        effective_rule(session, case_type), received_on, events, nation=body_nation(session),
        extension_days=case_type.extension_days,
    )


def events_of(session: Session, case: Case) -> tuple[ClockEvent, ...]:
    """The case's stored clock events, in the order they happened: of its present stage only, for a
    complaint escalated to a later stage (stage 1's acknowledgement is not stage 2's)."""
    query = select(ClockEventRecord).where(ClockEventRecord.case_id == case.id)
    if case.stage_started_on is not None:
        query = query.where(ClockEventRecord.on >= case.stage_started_on)
    rows = session.scalars(query.order_by(ClockEventRecord.on, ClockEventRecord.id))
    return tuple(ClockEvent(kind=EventKind(r.kind), on=r.on, reason=r.reason, days=r.days) for r in rows)


def case_deadline(session: Session, case: Case, events: tuple[ClockEvent, ...], *,
                  engine: DeadlineEngine | None = None) -> Deadline:
    """The deadline of ``case`` with ``events``: its type's rule from receipt, or, at a later complaint
    stage, that stage's rule from the day the stage began (its own extension length, not the type's)."""
    if case.stage_started_on is None:
        return compute_deadline(session, case.case_type, case.received_on, events, engine=engine)
    return (engine or deadline_engine(session)).compute(
        case_rule(session, case), case.stage_started_on, events, nation=body_nation(session))


def deadline_of(session: Session, case: Case) -> Deadline:
    """The case's deadline now, from its date of receipt (or its stage's start) and every clock event so far."""
    return case_deadline(session, case, events_of(session, case))


def calendar_of(session: Session, case_type: CaseType, engine: DeadlineEngine | None = None) -> WorkingDayCalendar:
    """The working days a case type's dates are counted in: the calendar its law fixes, else the body's own
    (task targets, reminders and escalation count on it too)."""
    rule = effective_rule(session, case_type)
    return (engine or deadline_engine(session)).calendars.calendar(rule.nation or body_nation(session))
