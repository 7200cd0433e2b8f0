"""The scheduled sweep: plan what is due, then claim and do each item once.

Run by the worker as the ``automation.sweep`` job every few minutes (whichever worker enqueues the
slot first; a second worker running one at the same time only finds its claims already taken). A
sweep does at most ``MAX_ACTIONS`` items so its transaction stays short, and queues another sweep
straight away when more is left.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from backoffice.automation import config, escalation, firings, plan, routines
from backoffice.automation.config import TypeConfig
from backoffice.automation.escalation import AUTOMATION
from backoffice.automation.models import Routine, Trigger
from backoffice.automation.recipients import Recipients
from backoffice.cases.models import Case, Task
from backoffice.notifications import Notice, notify
from shared import audit, jobs
from shared.apps import Schedule
from shared.db import utcnow
from shared.settings import Settings

KIND = "automation.sweep"
EVERY_SECONDS = 300
MAX_ACTIONS = 1000


@dataclass
class SweepResult:
    done: Counter[str] = field(default_factory=Counter)
    skipped: int = 0
    more: bool = False

    @property
    def total(self) -> int:
        return sum(self.done.values())


@dataclass
class _Run:
    session: Session
    settings: Settings
    configs: dict[int, TypeConfig]
    people: Recipients
    now: dt.datetime

    def case(self, case_id: int) -> Case | None:
        case = self.session.get(Case, case_id)
        return case if case is not None and case.closed_at is None else None


def sweep(session: Session, settings: Settings, now: dt.datetime | None = None,
          limit: int = MAX_ACTIONS) -> SweepResult:
    """One pass; the caller commits. Writes nothing at all when nothing is due."""
    now = now or utcnow()
    configs = config.load(session)
    found = plan.make(session, configs, now)
    run = _Run(session, settings, configs, Recipients(session), now)
    result = SweepResult()
    for item in found.items:
        if result.total >= limit:
            result.more = True
            break
        if not firings.claim(session, item.case_id, item.kind, item.target, item.slot, now):
            result.skipped += 1
            continue
        case = run.case(item.case_id)
        if case is None:
            continue
        _ACTIONS[item.kind](run, item, case)
        result.done[item.kind] += 1
    if found.cursor_to is not None and not result.more:
        routines.move_cursor(session, found.cursor_to)
    return result


def _day(value: dt.date | None) -> str:
    return value.strftime("%-d %B %Y") if value else ""


def _reminder(run: _Run, item: plan.Due, case: Case) -> None:
    if item.target.startswith("task:"):
        task = run.session.get(Task, item.ref_id)
        to = run.people.assignee_or_group(case, task.assignee_id, task.group_id) if task else []
    else:
        to = run.people.owner_or_claimers(case)
    notify(run.session, run.settings, Notice.TARGET_NEAR, case, to=to, due_on=_day(item.on),
           detail=f"Reminder: {item.label[0].upper()}{item.label[1:]} is due {_day(item.on)}.", actor=AUTOMATION.label)
    audit.record(run.session, AUTOMATION, "automation.reminder_sent", "case", case.reference,
                 f"Reminder sent: {item.label} is due {_day(item.on)}",
                 {"target": item.target, "slot": item.slot, "to": sorted(set(to))})
    if item.target == "case":
        _routines(run, case, Trigger.TARGET_NEAR, f"near:{item.slot}", "the target is near")


def _breach(run: _Run, item: plan.Due, case: Case) -> None:
    extra: list[str] = []
    if item.target.startswith("task:"):
        task = run.session.get(Task, item.ref_id)
        extra = run.people.assignee_or_group(case, task.assignee_id, task.group_id) if task else []
    escalation.escalate_breach(run.session, run.settings, run.people, case, what=item.label, due=_day(item.on),
                               extra_to=extra)
    if item.target == "case":
        _routines(run, case, Trigger.TARGET_BREACHED, f"breach:{item.slot}", "the target was breached")


def _stopped_clock(run: _Run, item: plan.Due, case: Case) -> None:
    """Flag, not close: closing needs a person to choose the outcome, and the requester may yet reply."""
    summary = (f"Clock stopped since {_day(item.on)} ({item.label}): "
               'flagged for closure as "clarification not received"')
    audit.record(run.session, AUTOMATION, "case.flagged_for_closure", "case", case.reference, summary,
                 {"stopped_on": item.slot, "outcome": "clarification_not_received"})
    notify(run.session, run.settings, Notice.TARGET_NEAR, case, to=run.people.owner_or_claimers(case),
           detail=summary + ".", actor=AUTOMATION.label)


def _routine(run: _Run, item: plan.Due, case: Case) -> None:
    routine = run.session.get(Routine, item.ref_id)
    if routine is not None and routine.active:
        routines.perform(run.session, run.settings, run.people, routine, case, item.label)


def _routines(run: _Run, case: Case, trigger: Trigger, slot: str, detail: str) -> None:
    type_config = run.configs.get(case.case_type_id)
    for routine in type_config.routines_for(trigger) if type_config else ():
        if firings.claim(run.session, case.id, "routine", f"routine:{routine.id}", slot, run.now):
            routines.perform(run.session, run.settings, run.people, routine, case, detail)


_ACTIONS = {"reminder": _reminder, "breach": _breach, "stopped_clock": _stopped_clock, "routine": _routine}


def handle(session: Session, _payload: dict[str, Any], context: jobs.JobContext) -> None:
    result = sweep(session, context.settings)
    if result.more:
        jobs.enqueue(session, KIND)


def job_kinds() -> dict[str, jobs.JobKind]:
    return {KIND: jobs.JobKind(handle=handle)}


SCHEDULES = (Schedule(kind=KIND, every_seconds=EVERY_SECONDS),)
