"""Routines: a trigger and its actions (change status, add a note, reassign to a group, notify).

Event triggers (case created, status changed, task completed) are read from the audit log, which every
case change already writes in its own transaction, from a cursor kept a little behind the newest
entry seen (entries commit out of id order under load; re-reading a margin is harmless because each
run is claimed in ``automation_firings``). "No reply for N days" is a range scan of the status-entry
table. Changes made by automation itself never trigger routines, so two routines cannot ping-pong.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from backoffice.automation.config import TypeConfig
from backoffice.automation.escalation import AUTOMATION
from backoffice.automation.models import Firing, Routine, StatusEntry, SweepCursor, Trigger
from backoffice.automation.recipients import Recipients
from backoffice.cases import events
from backoffice.cases.case_types import allowed_targets
from backoffice.cases.models import Case, CaseNote, CaseStatus, StatusKind
from backoffice.notifications import Notice, notify
from backoffice.staff.groups import Group
from shared import audit
from shared.audit import AuditEvent
from shared.db import utcnow
from shared.settings import Settings

CURSOR = "audit"
#: How far behind the newest audit entry seen the next sweep starts reading again.
MARGIN = dt.timedelta(minutes=10)
#: Where a sweep with no cursor yet starts.
FIRST_LOOKBACK = dt.timedelta(hours=1)
EVENT_TRIGGERS = {"case.created": Trigger.CASE_CREATED, "case.status_changed": Trigger.STATUS_CHANGED,
                  "task.completed": Trigger.TASK_COMPLETED}


@dataclass(frozen=True)
class RoutineDue:
    routine_id: int
    case_id: int
    slot: str
    detail: str = ""


def _target(routine_id: int) -> str:
    return f"routine:{routine_id}"


# --- finding what is due ------------------------------------------------------------------------------


def no_reply_due(session: Session, configs: dict[int, TypeConfig], now: dt.datetime) -> list[RoutineDue]:
    """Cases still in the routine's status ``days`` after entering it, not yet handled since they entered."""
    due: list[RoutineDue] = []
    for config in configs.values():
        for routine in config.routines_for(Trigger.NO_REPLY):
            if routine.status_id is None or routine.days is None:
                continue
            handled = exists().where(Firing.case_id == StatusEntry.case_id, Firing.kind == "routine",
                                     Firing.target == _target(routine.id), Firing.fired_at >= StatusEntry.entered_at)
            stmt = (select(StatusEntry.case_id, StatusEntry.entered_at)
                    .join(Case, Case.id == StatusEntry.case_id)
                    .where(StatusEntry.status_id == routine.status_id,
                           StatusEntry.entered_at <= now - dt.timedelta(days=routine.days),
                           Case.status_id == routine.status_id, Case.closed_at.is_(None), ~handled))
            due.extend(RoutineDue(routine.id, int(case_id), entered.isoformat(), f"{routine.days} days without a reply")
                       for case_id, entered in session.execute(stmt))
    return due


def event_due(session: Session, configs: dict[int, TypeConfig],
              now: dt.datetime) -> tuple[list[RoutineDue], dt.datetime | None]:
    """Routine runs for audit entries since the cursor, and where the cursor should move to (None: stay)."""
    wanted = {action for action, trigger in EVENT_TRIGGERS.items()
              if any(c.routines_for(trigger) for c in configs.values())}
    if not wanted:
        return [], None
    cursor = session.get(SweepCursor, CURSOR)
    since = cursor.position - MARGIN if cursor is not None else now - FIRST_LOOKBACK
    events = list(session.execute(
        select(AuditEvent.id, AuditEvent.action, AuditEvent.object_id, AuditEvent.detail, AuditEvent.occurred_at)
        .where(AuditEvent.occurred_at > since, AuditEvent.occurred_at <= now, AuditEvent.action.in_(wanted),
               AuditEvent.object_type == "case", AuditEvent.actor_label != AUTOMATION.label)
        .order_by(AuditEvent.id)))
    if not events:
        return [], None
    references = {str(e.object_id) for e in events}
    cases = {ref: (cid, tid) for cid, tid, ref in session.execute(
        select(Case.id, Case.case_type_id, Case.reference).where(Case.reference.in_(references)))}
    labels = {int(sid): str(label) for sid, label in session.execute(select(CaseStatus.id, CaseStatus.label)).all()}
    due: list[RoutineDue] = []
    for event in events:
        found = cases.get(str(event.object_id))
        config = configs.get(found[1]) if found else None
        if found is None or config is None:
            continue
        for routine in config.routines_for(EVENT_TRIGGERS[event.action]):
            detail = event.detail or {}
            if routine.trigger == Trigger.STATUS_CHANGED.value and routine.status_id is not None \
                    and detail.get("to_status") != labels.get(routine.status_id):
                continue
            due.append(RoutineDue(routine.id, found[0], f"audit:{event.id}", _event_text(event.action, detail)))
    newest = max(e.occurred_at for e in events)
    return due, (newest if cursor is None or newest > cursor.position else None)


def _event_text(action: str, detail: dict[str, Any]) -> str:
    if action == "case.status_changed":
        return f"Status changed to {detail.get('to_status', '')}"
    if action == "task.completed":
        return "A task was completed"
    return "The case was created"


def move_cursor(session: Session, position: dt.datetime) -> None:
    cursor = session.get(SweepCursor, CURSOR)
    if cursor is None:
        session.add(SweepCursor(name=CURSOR, position=position))
    elif position > cursor.position:
        cursor.position = position


# --- doing it ----------------------------------------------------------------------------------------


def perform(session: Session, settings: Settings, people: Recipients, routine: Routine, case: Case,
            detail: str) -> list[str]:
    """Run the routine's actions on the case; returns what was done, for the timeline."""
    done: list[str] = []
    for action in routine.actions:
        kind = action.get("type")
        if kind == "change_status":
            done.extend(_change_status(session, case, int(action.get("status_id", 0)), routine))
        elif kind == "add_note":
            text = str(action.get("text", "")).strip()
            session.add(CaseNote(case_id=case.id, author_label=AUTOMATION.label, author_user_id=None, body=text))
            done.append("note added")
        elif kind == "reassign":
            group = session.get(Group, int(action.get("group_id", 0)))
            if group is not None and group.active and case.team_group_id != group.id:
                case.team_group_id, case.owner_id = group.id, None
                audit.record(session, AUTOMATION, "case.assigned", "case", case.reference,
                             f"Reassigned to {group.name} by routine {routine.name}",
                             {"group_id": group.id, "owner_id": None, "routine_id": routine.id})
                done.append(f"reassigned to {group.name}")
        elif kind == "notify":
            who = [str(w) for w in action.get("to") or []]
            notice = Notice(action.get("notice") or Notice.TARGET_NEAR.value)
            if notify(session, settings, notice, case, to=_audience(people, case, who),
                      detail=f"{routine.name}: {detail}.", actor=AUTOMATION.label):
                done.append("notified " + ", ".join(who))
    case.updated_at = utcnow()
    audit.record(session, AUTOMATION, "automation.routine_ran", "case", case.reference,
                 f"Routine {routine.name} ({detail}): " + ("; ".join(done) or "nothing to do"),
                 {"routine_id": routine.id, "done": done})
    return done


def _audience(people: Recipients, case: Case, who: list[str]) -> list[str]:
    to: list[str] = []
    if "owner" in who:
        to += people.owner_or_claimers(case)
    if "team" in who:
        to += people.team(case)
    if "escalation" in who:
        to += people.escalation(case)
    return to


def _change_status(session: Session, case: Case, status_id: int, routine: Routine) -> list[str]:
    target = session.get(CaseStatus, status_id)
    if target is None or target.case_type_id != case.case_type_id or case.status_id == status_id:
        return []
    if case.status.kind == StatusKind.CLOSED or target.kind == StatusKind.CLOSED:
        return []
    if target.id not in {s.id for s in allowed_targets(session, case.status_id)}:
        return [f"could not move from {case.status.label} to {target.label}"]
    previous, previous_id = case.status.label, case.status_id
    case.status_id, case.status = target.id, target
    events.publish(session, events.StatusChanged(case.id, AUTOMATION, from_status_id=previous_id, to_status_id=target.id))
    audit.record(session, AUTOMATION, "case.status_changed", "case", case.reference,
                 f"Status changed from {previous} to {target.label} by routine {routine.name}",
                 {"from_status": previous, "to_status": target.label, "routine_id": routine.id})
    return [f"status changed to {target.label}"]
