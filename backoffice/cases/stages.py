"""A complaint's stages: escalating it from one stage of the complaint-handling code to the next.

A complaint is answered at stage 1 (frontline), and one the complainant is still unhappy with, or one too
complex for stage 1, is escalated to stage 2 (investigation), which has its own time limit counted from the
day it began: the codes judge each stage against its own, and so does the timeliness report. Escalating
keeps the stage that ends (its start, due date, answer and extension) in ``case_stages``, so the report of
a period the complaint was still at stage 1 in judges it as it stood then; the case then carries the new
stage's clock (``cases.stage``, ``cases.stage_started_on``), with no answer yet. The due date is the
engine's, from the stage's rule (``complaint_stage2``) and the events since the stage began.

A stage is a status of the complaint type too ("Stage 2"): escalating moves the case to it, recorded as
any status change is, and moving a complaint to the next stage's status escalates it
(``workflow.change_status``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases import events
from backoffice.cases.models import Case, CaseStage, CaseStatus, ClockEventRecord, StatusKind
from backoffice.clocks import ClockError, EventKind
from backoffice.deadlines.due_dates import case_deadline
from backoffice.deadlines.rules import effective_rule, stage_rule_key
from backoffice.intake.new_cases import today_in_london
from shared import audit
from shared.db import utcnow
from shared.errors import Conflict, InvalidInput


def stage_of(case: Case) -> int:
    """The stage the complaint is at (1 until escalated)."""
    return case.stage or 1


def next_stage(session: Session, case: Case) -> int | None:
    """The stage ``case`` would be escalated to; None when its type has no further stage (or no stages)."""
    following = stage_of(case) + 1
    return following if stage_rule_key(effective_rule(session, case.case_type).key, following) else None


def stage_status(session: Session, case: Case, stage: int) -> CaseStatus | None:
    """The type's status for ``stage`` (``stage_2``), if it has one."""
    return session.scalar(select(CaseStatus).where(CaseStatus.case_type_id == case.case_type_id,
                                                   CaseStatus.key == f"stage_{stage}"))


def escalate(session: Session, actor: audit.Actor, case: Case, on: dt.date | None = None) -> Case:
    """Move an open complaint to its next stage on ``on`` (today in London by default)."""
    if case.status.kind == StatusKind.CLOSED:
        raise Conflict("The complaint is closed: reopen it before escalating it")
    following = next_stage(session, case)
    if following is None:
        raise Conflict("This case has no further complaint stage")
    day = on or today_in_london()
    began = case.stage_started_on or case.received_on
    if day > today_in_london():
        raise InvalidInput("The date cannot be in the future", {"on": "Date must be today or in the past"})
    if day < began:
        raise InvalidInput("The stage cannot begin before the last one", {"on": f"Date must be {began:%-d %B %Y} or later"})
    extended_on = session.scalar(select(ClockEventRecord.on).where(
        ClockEventRecord.case_id == case.id, ClockEventRecord.kind == EventKind.EXTENDED.value,
        ClockEventRecord.on >= began).order_by(ClockEventRecord.on).limit(1))
    session.add(CaseStage(case_id=case.id, stage=stage_of(case), started_on=began, due_on=case.due_on,
                          responded_on=case.responded_on, extended_on=extended_on, ended_on=day))
    previous_due = case.due_on
    case.stage, case.stage_started_on, case.responded_on = following, day, None
    try:
        case.due_on = case_deadline(session, case, ()).due_on
    except ClockError as exc:  # pragma: no cover - a stage rule with no events always has a date
        raise Conflict(str(exc)) from exc
    case.updated_at = utcnow()
    due = f"due {case.due_on:%-d %B %Y}" if case.due_on else "no due date"
    audit.record(session, actor, "case.stage_escalated", "case", case.reference,
                 f"Escalated to stage {following} on {day:%-d %B %Y}; {due}",
                 {"stage": following, "on": day.isoformat(), "previous_due_on": previous_due.isoformat()
                  if previous_due else None, "due_on": case.due_on.isoformat() if case.due_on else None})
    target = stage_status(session, case, following)
    if target is not None and target.id != case.status_id:
        before, before_id = case.status.label, case.status_id
        case.status_id, case.status = target.id, target
        audit.record(session, actor, "case.status_changed", "case", case.reference,
                     f"Status changed from {before} to {target.label}",
                     {"from_status": before, "to_status": target.label})
        events.publish(session, events.StatusChanged(case.id, actor, from_status_id=before_id, to_status_id=target.id))
    events.publish(session, events.ClockChanged(case.id, actor, change="stage", previous_due_on=previous_due,
                                                due_on=case.due_on))
    session.flush()
    return case


__all__ = ["escalate", "next_stage", "stage_of", "stage_status"]
