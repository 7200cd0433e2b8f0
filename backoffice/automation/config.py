"""Each case type's automation settings: reminder offsets, milestones, the stopped-clock limit and routines.

Plain configuration rows keyed by case type, so a new case type is configured the same way as the
built-in ones; :func:`seed_automation` gives the built-in types sensible defaults without ever
overwriting what an administrator has changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.automation import status_entries
from backoffice.automation.models import (
    AppliesTo,
    AutomationSettings,
    Milestone,
    ReminderRule,
    Routine,
    Trigger,
    Unit,
)
from backoffice.cases.models import CaseStatus, CaseType, StatusKind
from backoffice.notifications import Notice
from backoffice.staff.groups import Group
from shared import audit
from shared.errors import InvalidInput, NotFound
from shared.numbers import parse_int

DEFAULT_STOPPED_CLOCK_LIMIT = 90
NOTIFY_TO = ("owner", "team", "escalation")
#: Notifications a routine may send (the staff ones that describe something happening to a case).
STAFF_NOTICES = (Notice.TARGET_NEAR, Notice.TARGET_BREACHED, Notice.CASE_ASSIGNED, Notice.CASE_ESCALATED,
                 Notice.NOTE_BY_STAFF, Notice.TASK_COMPLETED)
#: (applies to, amount, unit) for every built-in type: two working days and one day before the due date.
DEFAULT_REMINDERS = ((AppliesTo.CASE, 2, Unit.WORKING_DAYS), (AppliesTo.CASE, 1, Unit.DAYS),
                     (AppliesTo.MILESTONE, 1, Unit.WORKING_DAYS), (AppliesTo.TASK, 1, Unit.WORKING_DAYS))
DEFAULT_MILESTONES = {"foi": (("Draft response due", 10),), "eir": (("Draft response due", 10),)}
NO_RESPONSE_TYPES = ("complaint", "enquiry")


@dataclass(frozen=True)
class TypeConfig:
    """What the sweep needs to know about one case type, read once per sweep."""

    case_type_id: int
    stopped_clock_limit_days: int = DEFAULT_STOPPED_CLOCK_LIMIT
    reminders: tuple[ReminderRule, ...] = ()
    milestones: tuple[Milestone, ...] = ()
    routines: tuple[Routine, ...] = field(default=())

    def reminders_for(self, applies_to: AppliesTo) -> list[ReminderRule]:
        return [r for r in self.reminders if r.applies_to == applies_to.value]

    def routines_for(self, trigger: Trigger) -> list[Routine]:
        return [r for r in self.routines if r.trigger == trigger.value and r.active]


def load(session: Session) -> dict[int, TypeConfig]:
    """Every active case type's configuration (a few dozen rows at most)."""
    type_ids = list(session.scalars(select(CaseType.id).where(CaseType.active.is_(True))))
    limits = {s.case_type_id: s.stopped_clock_limit_days for s in session.scalars(select(AutomationSettings))}
    reminders: dict[int, list[ReminderRule]] = {}
    for rule in session.scalars(select(ReminderRule).order_by(ReminderRule.id)):
        reminders.setdefault(rule.case_type_id, []).append(rule)
    milestones: dict[int, list[Milestone]] = {}
    for milestone in session.scalars(select(Milestone).order_by(Milestone.working_days, Milestone.id)):
        milestones.setdefault(milestone.case_type_id, []).append(milestone)
    routines: dict[int, list[Routine]] = {}
    for routine in session.scalars(select(Routine).order_by(Routine.id)):
        routines.setdefault(routine.case_type_id, []).append(routine)
    return {
        type_id: TypeConfig(type_id, limits.get(type_id, DEFAULT_STOPPED_CLOCK_LIMIT),
                            tuple(reminders.get(type_id, ())), tuple(milestones.get(type_id, ())),
                            tuple(routines.get(type_id, ())))
        for type_id in type_ids
    }


def for_type(session: Session, case_type_id: int) -> TypeConfig:
    return load(session).get(case_type_id) or TypeConfig(case_type_id)


def _status(session: Session, case_type_id: int, key: str) -> CaseStatus | None:
    return session.scalar(select(CaseStatus).where(CaseStatus.case_type_id == case_type_id, CaseStatus.key == key))


def seed_automation(session: Session, actor: audit.Actor) -> int:
    """Defaults for the built-in types that have no automation yet; returns how many types were seeded.

    Also records when existing cases entered their status, so the 21-day routine works for old cases too.
    """
    seeded = 0
    for case_type in session.scalars(select(CaseType).order_by(CaseType.position, CaseType.id)):
        if session.get(AutomationSettings, case_type.id) is not None:
            continue
        session.add(AutomationSettings(case_type_id=case_type.id, stopped_clock_limit_days=DEFAULT_STOPPED_CLOCK_LIMIT))
        for applies_to, amount, unit in DEFAULT_REMINDERS:
            if applies_to != AppliesTo.MILESTONE or case_type.key in DEFAULT_MILESTONES:
                session.add(ReminderRule(case_type_id=case_type.id, applies_to=applies_to.value, amount=amount,
                                         unit=unit.value))
        for name, days in DEFAULT_MILESTONES.get(case_type.key, ()):
            session.add(Milestone(case_type_id=case_type.id, name=name, working_days=days))
        waiting, no_response = _status(session, case_type.id, "waiting"), _status(session, case_type.id, "no_response")
        if case_type.key in NO_RESPONSE_TYPES and waiting is not None and no_response is not None:
            session.add(Routine(
                case_type_id=case_type.id, name="No response after 21 days", trigger=Trigger.NO_REPLY.value,
                status_id=waiting.id, days=21,
                actions=[{"type": "change_status", "status_id": no_response.id},
                         {"type": "add_note", "text": "No reply from the requester in 21 days: moved to No response."},
                         {"type": "notify", "to": ["owner"], "notice": Notice.NOTE_BY_STAFF.value}]))
        audit.record(session, actor, "automation.seeded", "case_type", case_type.id,
                     f"Default reminders, milestones and routines for {case_type.name}")
        seeded += 1
    session.flush()
    status_entries.backfill(session)
    return seeded


# --- administration -------------------------------------------------------------------------------


def _type(session: Session, case_type_id: int) -> CaseType:
    case_type = session.get(CaseType, case_type_id)
    if case_type is None:
        raise NotFound("No such case type")
    return case_type


def _whole(value: str, name: str, low: int, high: int, message: str) -> int:
    text = value.strip()
    if not text:
        raise InvalidInput(message, {name: message})
    number = parse_int(text)
    if number is None or not low <= number <= high:
        raise InvalidInput(message, {name: f"Enter a whole number from {low} to {high}"})
    return number


def set_stopped_clock_limit(session: Session, actor: audit.Actor, case_type_id: int, days: str) -> AutomationSettings:
    case_type = _type(session, case_type_id)
    limit = _whole(days, "limit", 1, 3650, "Enter the number of days a clock may stay stopped")
    row = session.get(AutomationSettings, case_type_id)
    if row is None:
        row = AutomationSettings(case_type_id=case_type_id)
        session.add(row)
    row.stopped_clock_limit_days = limit
    audit.record(session, actor, "automation.limit_changed", "case_type", case_type_id,
                 f"{case_type.name}: clocks stopped over {limit} days are flagged for closure")
    return row


def add_reminder(session: Session, actor: audit.Actor, case_type_id: int, *, applies_to: str, amount: str,
                 unit: str) -> ReminderRule:
    case_type = _type(session, case_type_id)
    errors: dict[str, str] = {}
    if applies_to not in {a.value for a in AppliesTo}:
        errors["applies_to"] = "Select which target the reminder is for"
    if unit not in {u.value for u in Unit}:
        errors["unit"] = "Select minutes, hours, days or working days"
    try:
        number = _whole(amount, "amount", 1, 10_000, "Enter how long before the target to remind")
    except InvalidInput as exc:
        errors.update(exc.errors)
        number = 0
    if errors:
        raise InvalidInput("The reminder could not be added", errors)
    exists = session.scalar(select(ReminderRule.id).where(
        ReminderRule.case_type_id == case_type_id, ReminderRule.applies_to == applies_to,
        ReminderRule.amount == number, ReminderRule.unit == unit))
    if exists is not None:
        raise InvalidInput("That reminder already exists", {"amount": "There is already a reminder at that time"})
    rule = ReminderRule(case_type_id=case_type_id, applies_to=applies_to, amount=number, unit=unit)
    session.add(rule)
    session.flush()
    audit.record(session, actor, "automation.reminder_added", "case_type", case_type_id,
                 f"{case_type.name}: reminder {number} {Unit(unit).label} before the {applies_to} target")
    return rule


def add_milestone(session: Session, actor: audit.Actor, case_type_id: int, *, name: str, working_days: str) -> Milestone:
    case_type = _type(session, case_type_id)
    errors: dict[str, str] = {}
    if not name.strip() or len(name.strip()) > 200:
        errors["milestone_name"] = "Enter the milestone's name, up to 200 characters"
    try:
        days = _whole(working_days, "milestone_days", 1, 200, "Enter the working day after receipt it is due by")
    except InvalidInput as exc:
        errors.update(exc.errors)
        days = 0
    if errors:
        raise InvalidInput("The milestone could not be added", errors)
    milestone = Milestone(case_type_id=case_type_id, name=name.strip(), working_days=days)
    session.add(milestone)
    session.flush()
    audit.record(session, actor, "automation.milestone_added", "case_type", case_type_id,
                 f"{case_type.name}: milestone {milestone.name} by working day {days}")
    return milestone


def add_routine(session: Session, actor: audit.Actor, case_type_id: int, *, name: str, trigger: str,
                status_id: int | None, days: str, actions: list[dict[str, Any]]) -> Routine:
    """Validate a routine against the type: its statuses and groups, and a trigger that makes sense."""
    case_type = _type(session, case_type_id)
    statuses = {s.id: s for s in case_type.statuses}
    errors: dict[str, str] = {}
    if not name.strip() or len(name.strip()) > 200:
        errors["routine_name"] = "Enter the routine's name, up to 200 characters"
    if trigger not in {t.value for t in Trigger}:
        errors["trigger"] = "Select what starts the routine"
    needs_status = trigger == Trigger.NO_REPLY.value
    if status_id is not None and status_id not in statuses:
        errors["trigger_status"] = "Select a status of this case type"
    elif needs_status and status_id is None:
        errors["trigger_status"] = "Select the status the case is waiting in"
    number = None
    if needs_status:
        try:
            number = _whole(days, "days", 1, 3650, "Enter the number of days without a reply")
        except InvalidInput as exc:
            errors.update(exc.errors)
    errors.update(_action_errors(session, statuses, actions))
    if errors:
        raise InvalidInput("The routine could not be added", errors)
    routine = Routine(case_type_id=case_type_id, name=name.strip(), trigger=trigger, status_id=status_id,
                      days=number, actions=actions, active=True)
    session.add(routine)
    session.flush()
    audit.record(session, actor, "automation.routine_added", "case_type", case_type_id,
                 f"{case_type.name}: routine {routine.name}", {"routine_id": routine.id, "actions": actions})
    return routine


def _action_errors(session: Session, statuses: dict[int, CaseStatus], actions: list[dict[str, Any]]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not actions:
        errors["actions"] = "Choose at least one action"
    for action in actions:
        kind = action.get("type")
        if kind == "change_status":
            target = statuses.get(action.get("status_id", -1))
            if target is None or target.kind != StatusKind.IN_PROGRESS.value:
                errors["action_status"] = "Select an in-progress status of this case type"
        elif kind == "add_note":
            if not str(action.get("text", "")).strip() or len(str(action["text"])) > 2000:
                errors["action_note"] = "Enter the note, up to 2000 characters"
        elif kind == "reassign":
            group = session.get(Group, action.get("group_id", -1))
            if group is None or not group.active:
                errors["action_group"] = "Select a group from the list"
        elif kind == "notify":
            to = action.get("to") or []
            if not to or any(who not in NOTIFY_TO for who in to):
                errors["action_notify"] = "Select who to notify"
            elif action.get("notice") not in {n.value for n in STAFF_NOTICES}:
                errors["action_notice"] = "Select the notification to send"
        else:
            errors["actions"] = "Choose actions from the list"
    return errors


def remove(session: Session, actor: audit.Actor, case_type_id: int, what: str, row_id: int) -> None:
    """Remove a reminder, milestone or routine of this type (what it already sent stays recorded)."""
    models: dict[str, type[ReminderRule] | type[Milestone] | type[Routine]] = {
        "reminder": ReminderRule, "milestone": Milestone, "routine": Routine}
    if what not in models:
        raise NotFound(f"No such {what}")
    row: ReminderRule | Milestone | Routine | None = session.get(models[what], row_id)  # type: ignore[assignment]
    if row is None or row.case_type_id != case_type_id:
        raise NotFound(f"No such {what}")
    session.delete(row)
    audit.record(session, actor, f"automation.{what}_removed", "case_type", case_type_id, f"A {what} was removed",
                 {"id": row_id})
