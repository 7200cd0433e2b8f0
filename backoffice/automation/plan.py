"""Finding what is due, read-only: every search is a range on an index, bounded by what can be due now.

* case reminders: open cases with ``due_on`` between today and the latest due date whose reminder has
  fired (ix_cases_open_due); a few days of cases, whatever the backlog.
* milestone reminders: open cases received in the few days whose milestone falls in that window
  (ix_cases_open_received).
* task reminders and task breaches: open tasks by due date (ix_tasks_status_due); breaches look back
  ``TASK_LOOKBACK`` days.
* case breaches: overdue open cases not yet escalated (the partial index ix_cases_unescalated_due),
  which is empty once the sweep has caught up.
* stopped clocks: open cases with no due date, grouped with their clock events.
* routines: see ``routines``.

What has already fired is then read for the candidates alone (``firings.fired``) and left out, so a
sweep with nothing new to do writes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Date, Executable, Integer, Select, and_, func, or_, select, text
from sqlalchemy.orm import Session

from backoffice.automation import firings, routines, timing
from backoffice.automation.config import TypeConfig
from backoffice.automation.models import UNESCALATED, AppliesTo
from backoffice.cases.models import Case, CaseType, ClockEventRecord, Task
from backoffice.clocks import EventKind, WorkingDayCalendar
from backoffice.deadlines.due_dates import calendar_of
from backoffice.organisation.bank_holidays import deadline_engine
from shared.db import is_postgres

TASK_LOOKBACK = dt.timedelta(days=30)
PAUSE_STARTS = (EventKind.FEE_REQUESTED.value, EventKind.CLARIFICATION_REQUESTED.value,
                EventKind.IDENTITY_REQUESTED.value, EventKind.PAUSED.value)


@dataclass(frozen=True)
class Due:
    """One thing to do once: its firing key and what the action needs to know."""

    kind: str  # reminder, breach, stopped_clock, routine
    case_id: int
    target: str  # case, milestone:<id>, task:<id>, routine:<id>
    slot: str
    on: dt.date | None = None
    label: str = ""
    ref_id: int | None = None  # the milestone, task or routine


@dataclass
class Plan:
    items: list[Due] = field(default_factory=list)
    cursor_to: dt.datetime | None = None


def calendars(session: Session, configs: dict[int, TypeConfig]) -> dict[int, WorkingDayCalendar]:
    engine = deadline_engine(session)
    types = session.scalars(select(CaseType).where(CaseType.id.in_(list(configs))))
    return {t.id: calendar_of(session, t, engine) for t in types}


def _unfired(session: Session, kind: str, items: list[Due], among: Select[Any] | None = None) -> list[Due]:
    """``items`` less those already done; ``among`` (the candidates' query) reads them in one statement."""
    if not items:
        return []
    done = (firings.fired_among(session, kind, among) if among is not None
            else firings.fired(session, kind, (i.case_id for i in items)))
    return [i for i in items if (i.case_id, i.target, i.slot) not in done]


def case_reminders(session: Session, configs: dict[int, TypeConfig], cals: dict[int, WorkingDayCalendar],
                   now: dt.datetime) -> list[Due]:
    today = timing.london_date(now)
    limits = {t: {r.id: timing.latest_due_reminded(r, now, cals[t]) for r in c.reminders_for(AppliesTo.CASE)}
              for t, c in configs.items() if t in cals}
    horizon = max((d for per_type in limits.values() for d in per_type.values()), default=None)
    if horizon is None or horizon < today:
        return []
    window = (Case.closed_at.is_(None), Case.due_on >= today, Case.due_on <= horizon,
              Case.case_type_id.in_([t for t, per in limits.items() if per]))
    done = firings.fired_among(session, "reminder", select(Case.id).where(*window))
    slots: dict[tuple[int, dt.date], str] = {}  # a few rules x a few days: format each slot once, not per case
    items = []
    for cid, tid, due in session.execute(select(Case.id, Case.case_type_id, Case.due_on).where(*window)):
        for rid, last in limits[tid].items():
            if due is not None and due <= last:
                slot = slots.get((rid, due)) or slots.setdefault((rid, due), f"{rid}:{due.isoformat()}")
                if (cid, "case", slot) not in done:
                    items.append(Due("reminder", int(cid), "case", slot, due, "The target"))
    return items


def milestone_reminders(session: Session, configs: dict[int, TypeConfig], cals: dict[int, WorkingDayCalendar],
                        now: dt.datetime) -> list[Due]:
    today = timing.london_date(now)
    items: list[Due] = []
    windows: list[ColumnElement[bool]] = []
    for type_id, config in configs.items():
        rules = config.reminders_for(AppliesTo.MILESTONE)
        if not rules or not config.milestones or type_id not in cals:
            continue
        cal = cals[type_id]
        for milestone in config.milestones:
            for rule in rules:
                last = timing.latest_due_reminded(rule, now, cal)
                window = timing.received_between(milestone.working_days, today, last, cal) if last >= today else None
                if window is None:
                    continue
                received_in = (Case.closed_at.is_(None), Case.received_on >= window[0],
                               Case.received_on <= window[1], Case.case_type_id == type_id)
                windows.append(and_(*received_in))
                for cid, received in session.execute(select(Case.id, Case.received_on).where(*received_in)):
                    falls = timing.milestone_date(received, milestone.working_days, cal)
                    if today <= falls <= last:
                        items.append(Due("reminder", int(cid), f"milestone:{milestone.id}", f"{rule.id}:{falls}",
                                         falls, milestone.name, milestone.id))
    return _unfired(session, "reminder", items, select(Case.id).where(or_(*windows)) if windows else None)


def task_reminders(session: Session, configs: dict[int, TypeConfig], cals: dict[int, WorkingDayCalendar],
                   now: dt.datetime) -> list[Due]:
    today = timing.london_date(now)
    limits = {t: {r.id: timing.latest_due_reminded(r, now, cals[t]) for r in c.reminders_for(AppliesTo.TASK)}
              for t, c in configs.items() if t in cals}
    horizon = max((d for per_type in limits.values() for d in per_type.values()), default=None)
    if horizon is None or horizon < today:
        return []
    rows = session.execute(select(Task.id, Task.case_id, Task.due_on, Task.title, Case.case_type_id)
                           .join(Case, Case.id == Task.case_id)
                           .where(Task.status == "open", Task.due_on >= today, Task.due_on <= horizon,
                                  Case.closed_at.is_(None)))
    items = [Due("reminder", int(cid), f"task:{tid}", f"{rid}:{due}", due, f"the task {title}", int(tid))
             for tid, cid, due, title, type_id in rows for rid, last in limits.get(type_id, {}).items()
             if due is not None and due <= last]
    return _unfired(session, "reminder", items)


def _unescalated_overdue(session: Session, today: dt.date) -> Executable:
    """Overdue open cases not yet escalated, read from the partial index (empty once the sweep has caught up).

    SQLite's planner would rather walk ix_cases_open_due over every overdue case, escalated or not, so
    there the index is named (``INDEXED BY``, which SQLAlchemy cannot express on a table).
    """
    named = session.scalar(text("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = :name"),
                           {"name": "ix_cases_unescalated_due"}) if not is_postgres(session) else None
    if named is None:  # PostgreSQL's planner finds the partial index itself (and a database not migrated yet has none)
        return select(Case.id, Case.due_on).where(UNESCALATED, Case.due_on < today)
    return text("SELECT id, due_on FROM cases INDEXED BY ix_cases_unescalated_due"
                " WHERE closed_at IS NULL AND escalated IS 0 AND due_on < :today").bindparams(
        today=today.isoformat()).columns(id=Integer, due_on=Date)


def breaches(session: Session, now: dt.datetime) -> list[Due]:
    today = timing.london_date(now)
    rows = session.execute(_unescalated_overdue(session, today))
    items = [Due("breach", int(cid), "case", due.isoformat(), due, "the target") for cid, due in rows if due]
    tasks = session.execute(select(Task.id, Task.case_id, Task.due_on, Task.title)
                            .join(Case, Case.id == Task.case_id)
                            .where(Task.status == "open", Task.due_on < today, Task.due_on >= today - TASK_LOOKBACK,
                                   Case.closed_at.is_(None)))
    items += [Due("breach", int(cid), f"task:{tid}", due.isoformat(), due, f"the task {title}", int(tid))
              for tid, cid, due, title in tasks if due]
    return _unfired(session, "breach", items)


def stopped_clocks(session: Session, configs: dict[int, TypeConfig], now: dt.datetime) -> list[Due]:
    """Open cases whose clock has been stopped (no due date) since longer ago than their type allows."""
    today = timing.london_date(now)
    since = func.max(ClockEventRecord.on)
    rows = session.execute(select(Case.id, Case.case_type_id, since)
                           .join(ClockEventRecord, ClockEventRecord.case_id == Case.id)
                           .where(Case.closed_at.is_(None), Case.due_on.is_(None),
                                  ClockEventRecord.kind.in_(PAUSE_STARTS))
                           .group_by(Case.id, Case.case_type_id))
    items = []
    for cid, type_id, stopped_on in rows:
        config = configs.get(type_id)
        limit = config.stopped_clock_limit_days if config else 90
        if stopped_on is not None and (today - stopped_on).days > limit:
            items.append(Due("stopped_clock", int(cid), "case", stopped_on.isoformat(), stopped_on,
                             f"stopped over {limit} days"))
    return _unfired(session, "stopped_clock", items)


def make(session: Session, configs: dict[int, TypeConfig], now: dt.datetime) -> Plan:
    """Everything due at ``now`` and not yet done, breaches first (they matter most if a sweep is cut short)."""
    cals = calendars(session, configs)
    plan = Plan()
    plan.items += breaches(session, now)
    plan.items += stopped_clocks(session, configs, now)
    plan.items += case_reminders(session, configs, cals, now)
    plan.items += milestone_reminders(session, configs, cals, now)
    plan.items += task_reminders(session, configs, cals, now)
    for due in routines.no_reply_due(session, configs, now):
        plan.items.append(Due("routine", due.case_id, f"routine:{due.routine_id}", due.slot, None, due.detail,
                              due.routine_id))
    event_items, plan.cursor_to = routines.event_due(session, configs, now)
    plan.items += _unfired(session, "routine", [
        Due("routine", d.case_id, f"routine:{d.routine_id}", d.slot, None, d.detail, d.routine_id)
        for d in event_items])
    return plan
