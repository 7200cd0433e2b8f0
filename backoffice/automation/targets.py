"""One case's targets as staff see them: the statutory date, the type's milestones, task targets, when each
reminder fires, and what the sweep has already done (reminders sent, escalation, the stopped-clock flag).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.automation import config, firings, timing
from backoffice.automation.models import AppliesTo, Firing, ReminderRule
from backoffice.cases.models import Case, Task
from backoffice.clocks import WorkingDayCalendar
from backoffice.deadlines import due_dates
from shared.db import utcnow


@dataclass(frozen=True)
class Target:
    name: str
    due_on: dt.date | None
    reminders: tuple[dt.datetime, ...]
    passed: bool


@dataclass(frozen=True)
class CaseTargets:
    targets: list[Target]
    escalated: bool
    flagged_for_closure: Firing | None
    history: list[Firing]


def _reminders(rules: list[ReminderRule], due: dt.date, cal: WorkingDayCalendar) -> tuple[dt.datetime, ...]:
    return tuple(sorted(timing.fire_instant(r, due, cal) for r in rules))


def calendar_of(session: Session, case: Case) -> WorkingDayCalendar:
    return due_dates.calendar_of(session, case.case_type)


def milestones_of(session: Session, case: Case) -> list[tuple[str, dt.date]]:
    """The type's milestones on this case's calendar: (name, date), in date order."""
    cal = calendar_of(session, case)
    found = config.for_type(session, case.case_type_id).milestones
    return sorted(((m.name, timing.milestone_date(case.received_on, m.working_days, cal)) for m in found),
                  key=lambda pair: pair[1])


def case_targets(session: Session, case: Case, now: dt.datetime | None = None) -> CaseTargets:
    now = now or utcnow()
    today = timing.london_date(now)
    type_config = config.for_type(session, case.case_type_id)
    cal = calendar_of(session, case)
    targets: list[Target] = []
    if case.due_on is not None:
        targets.append(Target("Statutory target", case.due_on,
                              _reminders(type_config.reminders_for(AppliesTo.CASE), case.due_on, cal),
                              case.due_on < today))
    for name, falls in milestones_of(session, case):
        targets.append(Target(f"Milestone: {name}", falls,
                              _reminders(type_config.reminders_for(AppliesTo.MILESTONE), falls, cal), falls < today))
    tasks = session.scalars(select(Task).where(Task.case_id == case.id, Task.status == "open",
                                               Task.due_on.is_not(None)).order_by(Task.due_on, Task.id))
    for task in tasks:
        assert task.due_on is not None
        targets.append(Target(f"Task: {task.title}", task.due_on,
                              _reminders(type_config.reminders_for(AppliesTo.TASK), task.due_on, cal),
                              task.due_on < today))
    history = firings.of_case(session, case.id)
    flag = next((f for f in history if f.kind == "stopped_clock"), None)
    if flag is not None and (case.due_on is not None or case.closed_at is not None):
        flag = None  # the clock has restarted (or the case is closed): the flag no longer applies
    return CaseTargets(sorted(targets, key=lambda t: (t.due_on or dt.date.max)), case.escalated, flag, history)
