"""Routines: the seeded "no response after 21 days", a status-change trigger, a task-completed trigger,
and the stopped-clock flag."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from backoffice.automation import config
from backoffice.automation.models import Trigger
from backoffice.cases.models import CaseNote, CaseStatus, Task
from backoffice.cases.tasks import DONE, finish_task
from backoffice.cases.workflow import change_status
from backoffice.deadlines.actions import pause
from backoffice.deadlines.state import PauseReason
from backoffice.staff.groups import create_group
from tests.backoffice.automation.conftest import START, actions, addresses, london, run
from tests.backoffice.conftest import SYSTEM, Office


def _status(office: Office, type_id: int, key: str) -> CaseStatus:
    status = office.db.scalar(select(CaseStatus).where(CaseStatus.case_type_id == type_id, CaseStatus.key == key))
    assert status is not None
    return status


def test_waiting_21_days_moves_to_no_response(auto: Office, clock, settings) -> None:
    case = auto.new_case("enquiry")
    case.owner_id = auto.caseworker.id
    change_status(auto.db, auto.actor(auto.caseworker), auto.caseworker, case, _status(auto, case.case_type_id, "waiting").id)
    auto.db.flush()
    clock.move_to(START + dt.timedelta(days=20, hours=23))
    run(auto.db, settings)
    assert case.status.key == "waiting"
    clock.move_to(START + dt.timedelta(days=21))
    assert run(auto.db, settings).done["routine"] == 1
    assert case.status.key == "no_response"
    notes = list(auto.db.scalars(select(CaseNote).where(CaseNote.case_id == case.id)))
    assert [n.author_label for n in notes] == ["Automation"] and "21 days" in notes[0].body
    assert addresses(auto.db, "Note added to " + case.reference) == ["caseworker@example.gov.uk"]
    assert [e.actor_label for e in actions(auto.db, case.reference, "case.status_changed")][-1] == "Automation"
    clock.move_to(START + dt.timedelta(days=22))
    assert run(auto.db, settings).total == 0


def test_a_case_that_moved_on_is_not_touched(auto: Office, clock, settings) -> None:
    case = auto.new_case("complaint")
    worker = auto.actor(auto.caseworker)
    change_status(auto.db, worker, auto.caseworker, case, _status(auto, case.case_type_id, "waiting").id)
    clock.move_to(START + dt.timedelta(days=10))
    change_status(auto.db, worker, auto.caseworker, case, _status(auto, case.case_type_id, "stage_1").id)
    auto.db.flush()
    clock.move_to(START + dt.timedelta(days=25))
    run(auto.db, settings)
    assert case.status.key == "stage_1"


def test_status_changed_and_task_completed_triggers(auto: Office, clock, settings) -> None:
    case = auto.new_case("foi")
    review = create_group(auto.db, SYSTEM, "Review panel")
    approval = _status(auto, case.case_type_id, "awaiting_approval")
    config.add_routine(auto.db, SYSTEM, case.case_type_id, name="Tell approvers", trigger=Trigger.STATUS_CHANGED.value,
                       status_id=approval.id, days="",
                       actions=[{"type": "add_note", "text": "Sent for approval."}])
    config.add_routine(auto.db, SYSTEM, case.case_type_id, name="Review after tasks",
                       trigger=Trigger.TASK_COMPLETED.value, status_id=None, days="",
                       actions=[{"type": "reassign", "group_id": review.id}])
    worker = auto.actor(auto.caseworker)
    change_status(auto.db, worker, auto.caseworker, case, _status(auto, case.case_type_id, "in_progress").id)
    auto.db.flush()
    clock.move_to(START + dt.timedelta(minutes=5))
    run(auto.db, settings)
    assert auto.db.scalars(select(CaseNote).where(CaseNote.case_id == case.id)).all() == []  # not that status
    change_status(auto.db, worker, auto.caseworker, case, approval.id)
    task = auto.db.scalars(select(Task).where(Task.case_id == case.id)).first()
    assert task is not None
    finish_task(auto.db, worker, auto.caseworker, case, task.id, DONE)
    auto.db.flush()
    clock.move_to(START + dt.timedelta(minutes=10))
    assert run(auto.db, settings).done["routine"] == 2
    assert [n.body for n in auto.db.scalars(select(CaseNote).where(CaseNote.case_id == case.id))] == ["Sent for approval."]
    assert case.team_group_id == review.id and case.owner_id is None
    clock.move_to(START + dt.timedelta(minutes=15))
    assert run(auto.db, settings).total == 0  # the audit entries are read again (the margin) but not acted on


def test_a_clock_stopped_over_90_days_is_flagged_once(auto: Office, clock, settings) -> None:
    from backoffice.automation.targets import case_targets

    case = auto.new_case("foi")
    case.owner_id = auto.caseworker.id
    clock.move_to(START + dt.timedelta(days=1))
    pause(auto.db, auto.actor(auto.caseworker), case, PauseReason.CLARIFICATION, on=dt.date(2026, 3, 3))
    assert case.due_on is None
    auto.db.flush()
    clock.move_to(london(2026, 6, 1, 9, 0))  # 90 days after 3 March: not yet "longer than"
    run(auto.db, settings)
    assert actions(auto.db, case.reference, "case.flagged_for_closure") == []
    clock.move_to(london(2026, 6, 2, 9, 0))
    assert run(auto.db, settings).done["stopped_clock"] == 1
    flagged = actions(auto.db, case.reference, "case.flagged_for_closure")
    assert len(flagged) == 1 and "clarification not received" in flagged[0].summary
    assert case_targets(auto.db, case).flagged_for_closure is not None
    assert addresses(auto.db, case.reference) == ["caseworker@example.gov.uk"]
    clock.move_to(london(2026, 6, 9, 9, 0))
    assert run(auto.db, settings).total == 0
