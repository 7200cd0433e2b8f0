"""Staff who may not see a restricted case are never emailed about it, whichever way the email goes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from backoffice.cases import events, workflow
from backoffice.cases.access import may_be_told
from backoffice.cases.models import Case
from backoffice.notifications import Notice, notify, subscribers
from backoffice.notifications.sending import JOB_KIND, handle_send, send
from backoffice.staff.groups import Group, add_member, create_group
from shared import jobs
from shared.mail.models import OutboxMessage
from tests.backoffice.conftest import SYSTEM, Office, run_notification_jobs

ADMIN, MANAGER, CASEWORKER, READER = ("administrator@example.gov.uk", "manager@example.gov.uk",
                                      "caseworker@example.gov.uk", "read-only@example.gov.uk")


def _mailed(office: Office, settings: Any, case: Case) -> set[str]:
    run_notification_jobs(office.db, settings)
    rows = office.db.scalars(select(OutboxMessage).where(OutboxMessage.related_id == case.reference)).all()
    found = {row.to_address for row in rows}
    for row in rows:
        office.db.delete(row)
    office.db.flush()
    return found


def _restricted_sar(office: Office, settings: Any) -> tuple[Case, Group]:
    """A SAR for the Data protection team (everyone is in it), restricted to a group with only the manager."""
    case = office.new_case("sar")
    team = office.db.get(Group, case.team_group_id)
    assert team is not None
    team.email = "dp-team@example.gov.uk"
    senior = create_group(office.db, office.actor(office.admin), "Senior data protection", "senior-dp@example.gov.uk")
    add_member(office.db, office.actor(office.admin), senior.id, office.manager.id)
    workflow.restrict(office.db, office.actor(office.admin), office.admin, case, {senior.id}, reason="About staff")
    office.db.flush()
    _mailed(office, settings, case)
    return case, senior


def test_the_team_of_a_restricted_case_hears_only_through_those_who_may_see_it(office: Office, settings: Any) -> None:
    case, _ = _restricted_sar(office, settings)
    subscribers.case_created(office.db, events.CaseCreated(case.id, SYSTEM))
    assert _mailed(office, settings, case) == {ADMIN, MANAGER}  # not the caseworker, the reader or the team's mailbox
    case.owner_id = office.caseworker.id  # an owner sees the case whatever the restriction
    office.db.flush()
    subscribers.note_added(office.db, events.NoteAdded(case.id, office.actor(office.admin), note_id=0,
                                                        by_user_id=office.admin.id, visible_to_requester=False))
    assert _mailed(office, settings, case) == {CASEWORKER}


def test_an_unrestricted_case_still_tells_the_whole_team(office: Office, settings: Any) -> None:
    case = office.new_case("sar")
    office.db.get(Group, case.team_group_id).email = "dp-team@example.gov.uk"  # type: ignore[union-attr]
    _mailed(office, settings, case)
    subscribers.case_created(office.db, events.CaseCreated(case.id, SYSTEM))
    assert _mailed(office, settings, case) == {ADMIN, MANAGER, CASEWORKER, READER, "dp-team@example.gov.uk"}


def test_the_rule_itself(office: Office, settings: Any) -> None:
    case, _ = _restricted_sar(office, settings)
    addresses = [ADMIN, MANAGER.upper(), CASEWORKER, READER, "dp-team@example.gov.uk", "senior-dp@example.gov.uk",
                 "someone@example.com", "", " "]
    assert may_be_told(office.db, case, addresses) == [ADMIN, MANAGER, "senior-dp@example.gov.uk"]
    office.manager.active = False
    office.db.flush()
    assert may_be_told(office.db, case, addresses) == [ADMIN, "senior-dp@example.gov.uk"]


def test_the_automations_sends_and_the_workers_are_filtered_too(office: Office, settings: Any) -> None:
    case, _ = _restricted_sar(office, settings)
    notify(office.db, settings, Notice.TARGET_NEAR, case, [CASEWORKER, MANAGER], detail="Due soon")
    assert _mailed(office, settings, case) == {MANAGER}
    # Queued (as every case event's notice is), then restricted further before the worker sends it.
    assert send(office.db, Notice.NOTE_BY_STAFF, case, [CASEWORKER, MANAGER, ADMIN]) == 2
    job = office.db.scalars(select(jobs.Job).where(jobs.Job.kind == JOB_KIND).order_by(jobs.Job.id.desc())).first()
    assert job is not None and job.payload["notice"] == Notice.NOTE_BY_STAFF.value
    assert job.payload["to"] == [ADMIN, MANAGER]
    legal = create_group(office.db, office.actor(office.admin), "Legal")
    workflow.restrict(office.db, office.actor(office.admin), office.admin, case, {legal.id}, reason="Legal hold")
    office.db.flush()
    office.db.delete(job)
    _mailed(office, settings, case)
    handle_send(office.db, job.payload, jobs.JobContext(settings=settings, job_id=job.id, attempts=1))
    assert _mailed(office, settings, case) == {ADMIN}


def test_the_requester_is_still_told(office: Office, settings: Any) -> None:
    case, _ = _restricted_sar(office, settings)
    subscribers.case_closed(office.db, events.CaseClosed(case.id, office.actor(office.admin), by_user_id=office.admin.id,
                                                         status_id=case.status_id, outcome="information_provided",
                                                         outcome_label="Information provided"))
    assert "sam@example.com" in _mailed(office, settings, case)
