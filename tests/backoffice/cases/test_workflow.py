"""Workflow on real data: transitions, assignment with notification, claiming, closing, reopening."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from backoffice.cases import tasks, workflow
from backoffice.cases.case_types import set_transitions
from backoffice.cases.models import CaseStatus, StatusKind
from backoffice.cases.queues import CaseFilter, find_cases, time_left
from backoffice.cases.timeline import timeline
from shared import audit
from shared.errors import Conflict, InvalidInput
from shared.mail.models import OutboxMessage
from tests.backoffice.cases.conftest import SYSTEM, Office
from tests.backoffice.conftest import run_notification_jobs


def status(office: Office, case, key: str) -> CaseStatus:
    return next(s for s in case.case_type.statuses if s.key == key)


def test_transitions_are_checked_against_the_case_type(office: Office, settings) -> None:
    case = office.new_case("foi")
    me, actor = office.caseworker, office.actor(office.caseworker)
    workflow.claim(office.db, actor, me, case)
    workflow.change_status(office.db, actor, me, case, status(office, case, "in_progress").id)
    assert case.status.key == "in_progress"
    workflow.change_status(office.db, actor, me, case, status(office, case, "in_progress").id)  # a repeat is a no-op
    with pytest.raises(InvalidInput):
        workflow.change_status(office.db, actor, me, case, status(office, case, "closed").id)
    new, in_progress = status(office, case, "new"), status(office, case, "in_progress")
    fee = status(office, case, "awaiting_fee")
    others = {s.id for s in case.case_type.statuses if s.kind != "closed"}
    pairs = {(new.id, in_progress.id)} | {(s, status(office, case, "closed").id) for s in others}
    set_transitions(office.db, SYSTEM, case.case_type_id, pairs)
    with pytest.raises(Conflict):
        workflow.change_status(office.db, actor, me, case, fee.id)


def test_assignment_notifies_the_new_owner(office: Office, settings) -> None:
    case = office.new_case("foi")
    run_notification_jobs(office.db, settings)  # the team hears of the new case: not what this test is about
    told_before = set(office.db.scalars(select(OutboxMessage.id)))
    workflow.assign(office.db, office.actor(office.manager), office.manager, case,
                    group_id=office.info_governance.id, owner_id=office.caseworker.id)
    assert case.owner_id == office.caseworker.id
    run_notification_jobs(office.db, settings)
    mail = [m for m in office.db.scalars(select(OutboxMessage).where(OutboxMessage.related_id == case.reference))
            if m.id not in told_before]
    assert [m.to_address for m in mail] == [office.caseworker.email]
    assert "http://testserver/backoffice/cases/" + case.reference in mail[0].body_text
    with pytest.raises(InvalidInput):
        workflow.assign(office.db, office.actor(office.manager), office.manager, case,
                        group_id=None, owner_id=office.outsider.id)


def test_closing_needs_an_outcome_and_no_open_tasks(office: Office) -> None:
    case = office.new_case("foi")
    me, actor = office.caseworker, office.actor(office.caseworker)
    workflow.claim(office.db, actor, me, case)
    with pytest.raises(InvalidInput) as refused:
        workflow.close(office.db, actor, me, case, outcome="")
    assert "outcome" in refused.value.errors
    with pytest.raises(Conflict, match="2 open tasks"):
        workflow.close(office.db, actor, me, case, outcome="granted_in_part", exemptions=["s40"])
    for task in tasks.tasks_of(office.db, case):
        tasks.finish_task(office.db, actor, me, case, task.id, tasks.DONE)
    with pytest.raises(InvalidInput):
        workflow.close(office.db, actor, me, case, outcome="granted_in_part", exemptions=["r13"])  # EIR, not FOI
    workflow.close(office.db, actor, me, case, outcome="granted_in_part", exemptions=["s40", "s43"])
    assert case.status.kind == StatusKind.CLOSED and case.exemptions == ["s40", "s43"] and case.closed_at
    workflow.close(office.db, actor, me, case, outcome="granted_in_part")  # repeated: one close
    closes = [e for e in audit.history(office.db, "case", case.reference) if e.action == "case.closed"]
    assert len(closes) == 1 and "s.40" in closes[0].summary


def _ready(office: Office, **overrides):
    case = office.new_case("foi", **overrides)
    for task in tasks.tasks_of(office.db, case):
        tasks.finish_task(office.db, SYSTEM, office.manager, case, task.id, tasks.CANCELLED)
    return case


def test_closing_records_the_response_date(office: Office) -> None:
    from backoffice.intake.new_cases import today_in_london

    me, actor = office.manager, office.actor(office.manager)
    today = today_in_london()
    case = _ready(office, received_on=today - dt.timedelta(days=10))
    workflow.close(office.db, actor, me, case, outcome="granted_in_full")
    assert case.responded_on == today  # nothing given, nothing recorded: today in London
    closes = [e for e in audit.history(office.db, "case", case.reference) if e.action == "case.closed"]
    assert closes[0].detail["responded_on"] == today.isoformat() and "response sent" in closes[0].summary
    given = _ready(office, received_on=today - dt.timedelta(days=10))
    workflow.close(office.db, actor, me, given, outcome="not_held", responded_on=today - dt.timedelta(days=3))
    assert given.responded_on == today - dt.timedelta(days=3)
    shared = _ready(office, received_on=today - dt.timedelta(days=10))
    shared.responded_on = today - dt.timedelta(days=5)  # as Secure Share records it
    workflow.close(office.db, actor, me, shared, outcome="not_held")
    assert shared.responded_on == today - dt.timedelta(days=5)


def test_closing_refuses_impossible_facts(office: Office) -> None:
    from backoffice.intake.new_cases import today_in_london

    me, actor = office.manager, office.actor(office.manager)
    today = today_in_london()
    case = _ready(office, received_on=today - dt.timedelta(days=10))
    with pytest.raises(InvalidInput) as early:
        workflow.close(office.db, actor, me, case, outcome="not_held", responded_on=today - dt.timedelta(days=11))
    assert "after the date received" in early.value.errors["responded_on"]
    with pytest.raises(InvalidInput) as future:
        workflow.close(office.db, actor, me, case, outcome="not_held", responded_on=today + dt.timedelta(days=1))
    assert future.value.errors["responded_on"] == "The date the response was sent must be today or in the past"
    with pytest.raises(InvalidInput) as granted:
        workflow.close(office.db, actor, me, case, outcome="granted_in_full", exemptions=["s40"])
    assert "granted in full has no exemptions" in granted.value.errors["exemptions"]
    assert case.status.kind != StatusKind.CLOSED and case.responded_on is None
    workflow.close(office.db, actor, me, case, outcome="refused_in_full", exemptions=["s40"], responded_on=today)
    assert case.outcome == "refused_in_full" and case.responded_on == today


def test_reopening_needs_a_reason_and_a_manager(office: Office) -> None:
    case = office.new_case("enquiry")
    workflow.close(office.db, office.actor(office.manager), office.manager, case, outcome="answered")
    from shared.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        workflow.reopen(office.db, office.actor(office.caseworker), office.caseworker, case, "More to say")
    with pytest.raises(InvalidInput):
        workflow.reopen(office.db, office.actor(office.manager), office.manager, case, "  ")
    workflow.reopen(office.db, office.actor(office.manager), office.manager, case, "Requester replied")
    assert case.status.kind == StatusKind.IN_PROGRESS and case.outcome is None and case.closed_at is None


def test_notes_emails_links_and_the_timeline(office: Office) -> None:
    case, other = office.new_case("foi"), office.new_case("eir")
    me, actor = office.caseworker, office.actor(office.caseworker)
    workflow.claim(office.db, actor, me, case)
    workflow.add_note(office.db, actor, me, case, "<script>alert(1)</script> called the requester")
    workflow.email_requester(office.db, actor, me, case, subject="Your request", body="We are working on it.")
    workflow.link(office.db, actor, me, case, other.reference.lower())
    assert [c.reference for c in workflow.linked_cases(office.db, other)] == [case.reference]
    mail = office.db.scalar(select(OutboxMessage).where(OutboxMessage.to_address == "sam@example.com"))
    assert mail is not None and mail.subject == f"Your request [{case.reference}]"
    actions = [entry.action for entry in timeline(office.db, case)]
    assert actions == ["case.linked", "case.requester_emailed", "case.note_added", "case.claimed", "case.created"]


def test_queues_filter_sort_and_search(office: Office) -> None:
    today = dt.date.today()
    late = office.new_case("foi", subject="Potholes", received_on=today - dt.timedelta(days=60))
    soon = office.new_case("sar", subject="My records", received_on=today - dt.timedelta(days=25))
    fresh = office.new_case("foi", subject="Library opening hours", received_on=today)
    workflow.claim(office.db, office.actor(office.caseworker), office.caseworker, soon)
    all_open = find_cases(office.db, office.manager, CaseFilter())
    assert [c.reference for c in all_open.cases] == [late.reference, soon.reference, fresh.reference]
    assert find_cases(office.db, office.manager, CaseFilter(overdue=True)).total == 1
    mine = find_cases(office.db, office.caseworker, CaseFilter(owner_id=office.caseworker.id))
    assert [c.reference for c in mine.cases] == [soon.reference]
    assert find_cases(office.db, office.manager, CaseFilter(case_types=("sar",))).total == 1
    assert find_cases(office.db, office.manager, CaseFilter(text="library HOURS")).cases == [fresh]
    assert find_cases(office.db, office.manager, CaseFilter(text=late.reference.lower())).cases == [late]
    assert find_cases(office.db, office.manager, CaseFilter(text="SAM@example.com")).total == 3
    assert find_cases(office.db, office.outsider, CaseFilter()).total == 0
    paged = find_cases(office.db, office.manager, CaseFilter(), page=2, per_page=2)
    assert paged.pages == 2 and [c.reference for c in paged.cases] == [fresh.reference]
    assert time_left(late)[1] == "red" and "overdue" in time_left(late)[0]


def test_a_text_search_stops_counting_at_the_cap(office: Office, monkeypatch) -> None:
    from backoffice.cases import queues

    monkeypatch.setattr(queues, "SEARCH_COUNT_CAP", 2)
    for _ in range(3):
        office.new_case("foi", subject="Potholes on the high street")
    found = find_cases(office.db, office.manager, CaseFilter(text="potholes"))
    assert found.total == 2 and found.total_capped and len(found.cases) == 3
    assert not find_cases(office.db, office.manager, CaseFilter()).total_capped
