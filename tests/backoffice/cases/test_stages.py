"""Escalating a complaint to stage 2: the stage it leaves is kept, the new stage has its own clock.

Today is fixed at Monday 16 March 2026; the body is in England and Wales. A complaint received Monday
2 March is due at stage 1 on Monday 23 March (5 working days to acknowledge, 10 to answer).
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from sqlalchemy import select

from backoffice.cases import workflow
from backoffice.cases.models import CaseStage, StatusKind
from backoffice.cases.stages import escalate, next_stage
from backoffice.deadlines.actions import extend
from backoffice.deadlines.due_dates import deadline_of
from shared import audit
from shared.errors import Conflict, InvalidInput
from tests.backoffice.cases.conftest import SYSTEM, Office

TODAY = dt.datetime(2026, 3, 16, 12, 0, tzinfo=dt.UTC)
RECEIVED = dt.date(2026, 3, 2)


@time_machine.travel(TODAY, tick=False)
def test_moving_to_stage_2_escalates_with_its_own_clock(office: Office) -> None:
    case = office.new_case("complaint", received_on=RECEIVED)
    assert case.due_on == dt.date(2026, 3, 23) and next_stage(office.db, case) == 2
    extend(office.db, SYSTEM, case, "Site visit", on=dt.date(2026, 3, 4))
    case.responded_on = dt.date(2026, 3, 12)
    me = office.manager
    stage_2 = next(s for s in case.case_type.statuses if s.key == "stage_2")
    workflow.change_status(office.db, office.actor(me), me, case, stage_2.id)
    # Stage 2 from today: acknowledge by Mon 23 Mar, answer 20 working days later, over Easter: Wed 22 Apr.
    assert (case.stage, case.stage_started_on, case.status.label) == (2, TODAY.date(), "Stage 2")
    assert case.due_on == dt.date(2026, 4, 22) and case.responded_on is None
    kept = office.db.scalars(select(CaseStage).where(CaseStage.case_id == case.id)).one()
    assert (kept.stage, kept.started_on, kept.due_on, kept.responded_on, kept.extended_on, kept.ended_on) == (
        1, RECEIVED, dt.date(2026, 4, 8), dt.date(2026, 3, 12), dt.date(2026, 3, 4), TODAY.date())
    # Stage 1's extension is not stage 2's: stage 2 can be extended, by its own 20 working days.
    assert "Complaint stage 2" in deadline_of(office.db, case).explanation[0]
    extend(office.db, SYSTEM, case, "Independent investigator", on=TODAY.date())
    assert case.due_on == dt.date(2026, 5, 21)  # 22 Apr + 20, the 4 May bank holiday not counted
    actions = [e.action for e in office.db.scalars(select(audit.AuditEvent).where(
        audit.AuditEvent.object_id == case.reference).order_by(audit.AuditEvent.id))]
    assert "case.stage_escalated" in actions and "case.status_changed" in actions


@time_machine.travel(TODAY, tick=False)
def test_what_cannot_be_escalated(office: Office) -> None:
    foi = office.new_case("foi", received_on=RECEIVED)
    with pytest.raises(Conflict):
        escalate(office.db, SYSTEM, foi)
    complaint = office.new_case("complaint", received_on=RECEIVED)
    with pytest.raises(InvalidInput):
        escalate(office.db, SYSTEM, complaint, on=dt.date(2026, 3, 1))  # before it was received
    with pytest.raises(InvalidInput):
        escalate(office.db, SYSTEM, complaint, on=dt.date(2026, 3, 17))  # tomorrow
    escalate(office.db, SYSTEM, complaint, on=dt.date(2026, 3, 9))
    with pytest.raises(Conflict):  # the code has no stage 3 of its own
        escalate(office.db, SYSTEM, complaint)
    assert next_stage(office.db, complaint) is None
    # Moving to the corporate procedure's Stage 3 status is then a plain status change.
    me = office.manager
    stage_3 = next(s for s in complaint.case_type.statuses if s.key == "stage_3")
    workflow.change_status(office.db, office.actor(me), me, complaint, stage_3.id)
    assert (complaint.stage, complaint.status.label) == (2, "Stage 3")
    other = office.new_case("complaint", received_on=RECEIVED)
    other.status = next(s for s in other.case_type.statuses if s.kind == StatusKind.CLOSED)
    with pytest.raises(Conflict):
        escalate(office.db, SYSTEM, other)
